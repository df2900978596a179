import { TesseraError } from '../../../shared/errors';
import { AuditQuery } from '../../../shared/schemas/audit';
import { keyFingerprint, normalizeFingerprint } from '../../core/audit/checkpoint';
import { publicKeyPem, type AuditExportFilter } from '../../core/audit/bundle';
import { parseKeptHead } from '../../core/audit/bundleVerify';
import { exportAuditToFile, verifyAuditBundleFile } from '../../services/auditExport';
import { cliActor, parseInput, withInterrupt, withServices, type Command, type CommandGroup } from '../command';

const verify: Command = {
  name: 'audit verify',
  summary: "check the audit log's hash chain, signatures and anchor, or an exported bundle offline",
  synopsis: '[--bundle FILE [--key FINGERPRINT] [--since SEQ:HASH]]',
  help: [
    'Options:',
    '  --bundle FILE     verify an export bundle with nothing but the file (no data folder needed):',
    '                    recomputes the chain from the first entry and checks that the signed',
    '                    head covers the last one. A filtered bundle (export --user, --from, …)',
    '                    is checked against its signed selection instead: every entry unchanged,',
    '                    in order, selected by the filter it states, none removed or added, and',
    "                    how many of the log's entries were left out.",
    '  --key FINGERPRINT the SHA-256 fingerprint you pinned ("tessera audit key" on the Tessera that',
    '                    made the bundle): the bundle must be signed by that key. Without it the',
    '                    check proves only that the bundle is consistent with the key it carries,',
    '                    which anyone can make; the output says so (exit 0 if consistent).',
    '  --since SEQ:HASH  the head you kept from the last bundle you checked (this command prints',
    '                    it): the bundle must still hold that entry, unchanged. Catches a bundle',
    '                    made from a rolled-back or rewritten log. Whole-log bundles only.',
    'On the data folder: the chain, every signed checkpoint (one every 1000 entries must exist),',
    'the signed head, the audit anchor beside the master key (a log shorter than it, or different',
    'at its entry, is a rollback), the public key against the sealed signing key, and the columns',
    'searches use (user key, time, dashboard counters) against the entries.',
  ].join('\n'),
  options: { bundle: { type: 'string' }, key: { type: 'string' }, since: { type: 'string' } },
  async run(inv) {
    const bundle = inv.args.bundle as string | undefined;
    const pinned = inv.args.key as string | undefined;
    const sinceText = inv.args.since as string | undefined;
    const out = (line: string) => inv.io.stdout.write(`${line}\n`);
    if (bundle === undefined) {
      if (pinned !== undefined || sinceText !== undefined) return inv.usage('--key and --since go with --bundle FILE');
      const { result: r, anchor } = await withServices(inv, async (s) => ({ result: await s.audit.verify(), anchor: s.audit.anchorStatus() }));
      if (!r.ok) throw new TesseraError('integrity', `Audit log FAILED at entry #${r.firstBadSeq}: ${r.problem}${r.message ? ` (${r.message})` : ''}`);
      out(`Audit log OK: ${r.entries} entries, head ${r.head}, ${r.checkpoints} signed checkpoint${r.checkpoints === 1 ? '' : 's'}`);
      out(`Anchor: ${anchor.message}`);
      return 0;
    }
    if (bundle === '') return inv.usage('--bundle needs a file');
    if (pinned !== undefined && normalizeFingerprint(pinned) === null) {
      return inv.usage('--key takes the SHA-256 fingerprint "tessera audit key" prints (64 hex digits, spaces allowed)');
    }
    const since = sinceText === undefined ? undefined : parseKeptHead(sinceText);
    if (since === null) return inv.usage('--since takes SEQ:HASH, the head a previous check printed (e.g. 1234:<64 hex digits>)');
    const r = await verifyAuditBundleFile(bundle, { ...(pinned !== undefined ? { pinnedKey: pinned } : {}), ...(since ? { since } : {}) });
    if (!r.ok) {
      const where = r.seq !== null ? `entry #${r.seq}` : `line ${r.line}`;
      throw new TesseraError('integrity', `Audit bundle FAILED at ${where}: ${r.problem}`);
    }
    if (r.selection) {
      const sel = r.selection;
      const what = `${r.entries} entr${r.entries === 1 ? 'y' : 'ies'} of the ${sel.total} the log held, ${sel.omitted} left out`;
      out(`Audit bundle ${r.pinned ? 'OK' : 'consistent, NOT AUTHENTICATED'} (filtered): ${what}.`);
      out(
        `Filter: ${Object.entries(sel.filter)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ')}`,
      );
      if (r.pinned) out('Signed by the pinned key: each entry is unchanged, in its place, selected by that filter, and none was removed.');
      else out('No pinned key was given (--key): the signature only shows the bundle matches the key inside it. Pass --key.');
      out(`Exported ${r.exportedAt}; signed by audit key ${r.keyVersion}, SHA-256 fingerprint:`);
      out(`  ${r.fingerprint}`);
      out('A filtered bundle carries no chain hashes: keep a head (--since) from a bundle of the whole log.');
      return 0;
    }
    if (r.pinned) {
      out(`Audit bundle OK: ${r.entries} entries, head ${r.head}, signed by the pinned key; the signed head covers the last entry.`);
    } else {
      out(`Audit bundle consistent, NOT AUTHENTICATED: ${r.entries} entries, head ${r.head}.`);
      out('No pinned key was given (--key): the signature only shows the bundle matches the key inside it,');
      out('which proves nothing about who made it. Pass --key with the fingerprint of "tessera audit key".');
    }
    out(`Exported ${r.exportedAt}; signed by audit key ${r.keyVersion}, SHA-256 fingerprint:`);
    out(`  ${r.fingerprint}`);
    if (r.since) out(`It still holds the head you kept (#${r.since.seq}), unchanged.`);
    else out('No kept head was given (--since): a bundle from a rolled-back log is not detected this way.');
    if (r.legacy) out('A version 1 bundle: its signature does not tell the head from a checkpoint; rely on --since.');
    out(`Keep for the next check: --since ${r.entries}:${r.head}`);
    return 0;
  },
};

const anchorCmd: Command = {
  name: 'audit anchor',
  summary: 'show the audit anchor (the last signed head, kept outside the database), or re-anchor',
  synopsis: '[--reset --reason TEXT]',
  help: [
    'The anchor file (audit.anchor, beside the master key) records the last signed head, so a',
    'database rolled back or emptied is caught by "audit verify" even though every signature in',
    'it still holds. A restore moves it deliberately (and records that in the log).',
    'Options:',
    '  --reset          after investigating a reported rollback (or a power cut that lost the last',
    '                   commits while the anchor kept them): check the log without the anchor,',
    '                   then anchor its current head. Recorded as an audit.anchor_reset entry that',
    '                   names the anchor it replaced. Stop the server first.',
    '  --reason TEXT    why (required with --reset; kept in the entry)',
  ].join('\n'),
  options: { reset: { type: 'boolean' }, reason: { type: 'string' } },
  async run(inv) {
    const reset = inv.args.reset === true;
    const reason = (inv.args.reason as string | undefined)?.trim();
    const out = (line: string) => inv.io.stdout.write(`${line}\n`);
    if (!reset) {
      if (reason !== undefined) return inv.usage('--reason goes with --reset');
      const status = await withServices(inv, (s) => s.audit.anchorStatus());
      out(`Anchor: ${status.message}`);
      return status.state === 'ok' || status.state === 'none' ? 0 : 1;
    }
    if (!reason) return inv.usage('--reset needs --reason TEXT (kept in the audit entry)');
    if (reason.length > 500) return inv.usage('--reason is at most 500 characters');
    const r = await withServices(inv, async (s) => {
      const before = s.audit.anchorStatus();
      const check = await s.audit.verify({ withAnchor: false });
      if (!check.ok)
        throw new TesseraError(
          'integrity',
          `Not re-anchoring: the audit log itself fails at entry #${check.firstBadSeq}: ${check.problem}${check.message ? ` (${check.message})` : ''}`,
        );
      const seq = s.audit.reanchor({ actor: cliActor(), action: 'audit.anchor_reset', outcome: 'success', reason });
      return { before, seq };
    });
    out(`Before: ${r.before.message}`);
    out(`Re-anchored at audit entry #${r.seq} (audit.anchor_reset, which records the previous anchor).`);
    return 0;
  },
};

const exportCmd: Command = {
  name: 'audit export',
  summary: 'write the audit log as a bundle (JSON lines) an auditor can verify offline',
  synopsis: '--out FILE [--user U] [--action A] [--actor X] [--outcome O] [--from ISO] [--to ISO]',
  help: [
    'Options:',
    '  --out FILE    the bundle to write (mode 0600); an existing file is never overwritten',
    '  --user, --action, --actor, --outcome, --from, --to',
    '                export only matching entries (--from inclusive, --to exclusive; a month:',
    '                --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z). A filtered bundle',
    '                ends with a signed selection instead of the head: before signing, the whole',
    '                log is recomputed against its signed checkpoints, head and anchor.',
    'The bundle ends with a point signed when the export started; the export itself is',
    'recorded in the audit log right after that point.',
  ].join('\n'),
  options: {
    out: { type: 'string' },
    user: { type: 'string' },
    action: { type: 'string' },
    actor: { type: 'string' },
    outcome: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
  async run(inv) {
    const file = inv.args.out as string | undefined;
    if (file === undefined || file === '') return inv.usage('--out FILE is required');
    const raw: Record<string, unknown> = {};
    for (const k of ['user', 'action', 'actor', 'outcome', 'from', 'to'] as const) if (inv.args[k] !== undefined) raw[k] = inv.args[k];
    const q = parseInput(AuditQuery, raw, { user: '--user', action: '--action', actor: '--actor', outcome: '--outcome', from: '--from', to: '--to' });
    const filter: AuditExportFilter = { user: q.user, action: q.action, actor: q.actor, outcome: q.outcome, from: q.from, to: q.to };
    const summary = await withServices(inv, (s) => withInterrupt(inv.io, (signal) => exportAuditToFile(s, file, cliActor(), { filter, signal })));
    inv.io.stdout.write(
      `Exported ${summary.entries} audit entr${summary.entries === 1 ? 'y' : 'ies'} (through #${summary.headSeq}) to ${file}` +
        `${summary.filtered ? ' (filtered: a signed selection)' : ''}; check it with: tessera audit verify --bundle ${JSON.stringify(file)} --key <fingerprint of tessera audit key>\n`,
    );
    return 0;
  },
};

const key: Command = {
  name: 'audit key',
  summary: 'print the audit signing public key(s): SHA-256 fingerprint and PEM',
  synopsis: '',
  options: {},
  async run(inv) {
    const { keys, swapped } = await withServices(inv, (s) => ({ keys: s.keyring.publicSigningKeys(), swapped: s.keyring.swappedPublicKeys }));
    // Derived from the sealed private keys: what this Tessera really signs with, whatever the database's copy says.
    for (const k of keys) {
      inv.io.stdout.write(`Audit key ${k.version}, SHA-256 fingerprint:\n  ${keyFingerprint(k.publicKeyDer)}\n${publicKeyPem(k.publicKeyDer)}`);
    }
    inv.io.stdout.write('Pin the fingerprint: "tessera audit verify --bundle FILE --key FINGERPRINT" checks a bundle against it.\n');
    if (swapped.length > 0) {
      throw new TesseraError(
        'integrity',
        `The public key stored for audit key ${swapped.join(', ')} is not the one its sealed private key gives: the database was tampered with (the fingerprint above is the real one)`,
      );
    }
    return 0;
  },
};

export const audit: CommandGroup = {
  name: 'audit',
  summary: 'the hash-chained audit log',
  commands: [verify, exportCmd, key, anchorCmd],
};

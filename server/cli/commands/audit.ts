import { TesseraError } from '../../../shared/errors';
import { AuditQuery } from '../../../shared/schemas/audit';
import { exportAuditToFile, publicKeyFingerprint, publicKeyPem, verifyAuditBundleFile, type AuditExportFilter } from '../../services/auditExport';
import { cliActor, parseInput, withInterrupt, withServices, type Command, type CommandGroup } from '../command';

const verify: Command = {
  name: 'audit verify',
  summary: 'check the audit log\'s hash chain and signatures, or an exported bundle offline',
  synopsis: '[--bundle FILE]',
  help: [
    'Options:',
    '  --bundle FILE   verify an export bundle with nothing but the file (no data folder needed):',
    '                  recomputes the chain from the first entry and checks that the signed',
    '                  checkpoint covers the last one. Compare the key fingerprint it prints',
    '                  with the output of "tessera audit key" on the Tessera that made it.',
  ].join('\n'),
  options: { bundle: { type: 'string' } },
  async run(inv) {
    const bundle = inv.args.bundle as string | undefined;
    if (bundle !== undefined) {
      if (bundle === '') return inv.usage('--bundle needs a file');
      const r = await verifyAuditBundleFile(bundle);
      if (!r.ok) {
        const where = r.seq !== null ? `entry #${r.seq}` : `line ${r.line}`;
        throw new TesseraError('integrity', `Audit bundle FAILED at ${where}: ${r.problem}`);
      }
      const out = (line: string) => inv.io.stdout.write(`${line}\n`);
      out(`Audit bundle OK: ${r.entries} entries, head ${r.head}, signed checkpoint covers the last entry.`);
      out(`Exported ${r.exportedAt}; signed by audit key ${r.keyVersion}, SHA-256 fingerprint:`);
      out(`  ${r.fingerprint}`);
      out('Compare it with "tessera audit key" on the Tessera that made the bundle.');
      return 0;
    }
    const r = await withServices(inv, (s) => s.audit.verify());
    if (!r.ok) throw new TesseraError('integrity', `Audit log FAILED at entry #${r.firstBadSeq}: ${r.problem}`);
    inv.io.stdout.write(`Audit log OK: ${r.entries} entries, head ${r.head}, ${r.checkpoints} signed checkpoint${r.checkpoints === 1 ? '' : 's'}\n`);
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
    '                export only matching entries. A filtered bundle says so in its header and',
    '                cannot be chain-verified (its entries are not a whole chain).',
    'The bundle ends with a checkpoint signed when the export started; the export itself is',
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
    const summary = await withServices(inv, (s) =>
      withInterrupt(inv.io, (signal) => exportAuditToFile(s, file, cliActor(), { filter, signal })),
    );
    inv.io.stdout.write(
      `Exported ${summary.entries} audit entr${summary.entries === 1 ? 'y' : 'ies'} (through #${summary.headSeq}) to ${file}` +
        `${summary.filtered ? ' (filtered: not chain-verifiable)' : `; check it with: tessera audit verify --bundle ${JSON.stringify(file)}`}\n`,
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
    const keys = await withServices(inv, (s) => s.keyring.publicSigningKeys());
    for (const k of keys) {
      inv.io.stdout.write(`Audit key ${k.version}, SHA-256 fingerprint:\n  ${publicKeyFingerprint(k.publicKeyDer)}\n${publicKeyPem(k.publicKeyDer)}`);
    }
    return 0;
  },
};

export const audit: CommandGroup = {
  name: 'audit',
  summary: 'the hash-chained audit log',
  commands: [verify, exportCmd, key],
};

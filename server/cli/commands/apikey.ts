import { CreateApiKeyInput } from '../../../shared/schemas/apiKeys';
import { Id } from '../../../shared/schemas/text';
import { createApiKey, listApiKeys, revokeApiKey } from '../../services/apiKeys';
import { cliActor, formatTable, parseInput, shortTime, withServices, type Command, type CommandGroup } from '../command';

const create: Command = {
  name: 'apikey create',
  summary: 'create an API key for an application; the key is printed once (last line), only its hash is kept',
  synopsis: '--name N --scopes verify,provision,audit',
  help: [
    'Options:',
    '  --name N       what the key is for (shown in lists and the audit log)',
    '  --scopes LIST  comma-separated: verify (check codes), provision (users and factors),',
    '                 audit (read the audit log)',
    'WebAuthn relying party of the application (security keys and passkeys), optional:',
    '  --rp-id ID     the host name keys are bound to, e.g. login.example.com or localhost (not an IP)',
    '  --rp-name N    the name browsers show (default: --name)',
    '  --origin URL   an origin responses may come from, e.g. https://login.example.com;',
    '                 repeat it (or separate with commas) for several',
    '  --require-uv   require user verification (PIN or biometrics) from the authenticator',
    '  --aaguid LIST  allow only these authenticator models (comma-separated AAGUIDs; repeatable)',
    'The key is the last line of standard output, alone, so a script can take it with `tail -n 1`.',
  ].join('\n'),
  options: {
    name: { type: 'string' },
    scopes: { type: 'string' },
    'rp-id': { type: 'string' },
    'rp-name': { type: 'string' },
    origin: { type: 'string', multiple: true },
    'require-uv': { type: 'boolean' },
    aaguid: { type: 'string', multiple: true },
  },
  async run(inv) {
    const name = inv.args.name as string | undefined;
    const scopes = inv.args.scopes as string | undefined;
    if (name === undefined) return inv.usage('--name is required');
    if (scopes === undefined) return inv.usage('--scopes is required');
    const list = (v: unknown) =>
      ((v as string[] | undefined) ?? [])
        .flatMap((x) => x.split(','))
        .map((x) => x.trim())
        .filter((x) => x !== '');
    const rpId = inv.args['rp-id'] as string | undefined;
    const origins = list(inv.args.origin);
    const aaguids = list(inv.args.aaguid);
    const rpOptionsGiven = inv.args['rp-name'] !== undefined || origins.length > 0 || inv.args['require-uv'] !== undefined || aaguids.length > 0;
    if (rpId === undefined && rpOptionsGiven) return inv.usage('--rp-name, --origin, --require-uv and --aaguid need --rp-id');
    if (rpId !== undefined && origins.length === 0) return inv.usage('--rp-id needs at least one --origin');
    const input = parseInput(
      CreateApiKeyInput,
      {
        name,
        scopes: scopes
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
        ...(rpId !== undefined
          ? {
              webauthn: {
                rpId,
                rpName: (inv.args['rp-name'] as string | undefined) ?? name,
                origins,
                requireUserVerification: inv.args['require-uv'] === true,
                aaguids,
              },
            }
          : {}),
      },
      { name: '--name', scopes: '--scopes (verify, provision, audit)', webauthn: 'WebAuthn (--rp-id, --origin, --aaguid)' },
    );
    const created = await withServices(inv, (s) => createApiKey(s, input, cliActor()));
    const out = inv.io.stdout;
    out.write(`Created API key ${created.id} "${created.name}" (scopes: ${created.scopes.join(', ')}).\n`);
    if (input.webauthn) {
      out.write(
        `WebAuthn relying party: ${input.webauthn.rpId} ("${input.webauthn.rpName}"), origins ${input.webauthn.origins.join(', ')}${input.webauthn.requireUserVerification ? ', user verification required' : ''}${input.webauthn.aaguids.length > 0 ? `, ${input.webauthn.aaguids.length} allowed model(s)` : ''}.\n`,
      );
    }
    out.write('This is the only time the key is shown; Tessera keeps only its hash. Store it now:\n');
    out.write(`${created.key}\n`);
    return 0;
  },
};

const list: Command = {
  name: 'apikey list',
  summary: 'list API keys (never the keys themselves)',
  synopsis: '',
  options: {},
  async run(inv) {
    const keys = await withServices(inv, (s) => listApiKeys(s));
    if (keys.length === 0) {
      inv.io.stdout.write('No API keys. Create one with: tessera apikey create --name N --scopes verify\n');
      return 0;
    }
    inv.io.stdout.write(
      formatTable(
        ['ID', 'NAME', 'PREFIX', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
        keys.map((k) => [k.id, k.name, k.prefix, k.scopes.join(','), shortTime(k.createdAt), shortTime(k.lastUsedAt), shortTime(k.revokedAt)]),
      ),
    );
    return 0;
  },
};

const revoke: Command = {
  name: 'apikey revoke',
  summary: 'revoke an API key at once (by the ID shown in apikey list)',
  synopsis: 'ID',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(inv) {
    const id = parseInput(Id, inv.positionals[0]);
    const view = await withServices(inv, (s) => revokeApiKey(s, id, cliActor()));
    inv.io.stdout.write(`Revoked API key ${view.id} "${view.name}"; it no longer authenticates.\n`);
    return 0;
  },
};

export const apikey: CommandGroup = {
  name: 'apikey',
  summary: 'API keys for applications',
  commands: [create, list, revoke],
};

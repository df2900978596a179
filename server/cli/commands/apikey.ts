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
    'The key is the last line of standard output, alone, so a script can take it with `tail -n 1`.',
  ].join('\n'),
  options: { name: { type: 'string' }, scopes: { type: 'string' } },
  async run(inv) {
    const name = inv.args.name as string | undefined;
    const scopes = inv.args.scopes as string | undefined;
    if (name === undefined) return inv.usage('--name is required');
    if (scopes === undefined) return inv.usage('--scopes is required');
    const input = parseInput(CreateApiKeyInput, {
      name,
      scopes: scopes.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    }, { name: '--name', scopes: '--scopes (verify, provision, audit)' });
    const created = await withServices(inv, (s) => createApiKey(s, input, cliActor()));
    const out = inv.io.stdout;
    out.write(`Created API key ${created.id} "${created.name}" (scopes: ${created.scopes.join(', ')}).\n`);
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
    inv.io.stdout.write(formatTable(
      ['ID', 'NAME', 'PREFIX', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
      keys.map((k) => [k.id, k.name, k.prefix, k.scopes.join(','), shortTime(k.createdAt), shortTime(k.lastUsedAt), shortTime(k.revokedAt)]),
    ));
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

import { TesseraError } from '../../../shared/errors';
import { AddRadiusClientInput } from '../../../shared/schemas/radius';
import { addRadiusClient, findRadiusClient, listRadiusClients, removeRadiusClient } from '../../services/radius/clients';
import { cliActor, formatTable, parseInput, shortTime, withServices, type Command, type CommandGroup } from '../command';

const add: Command = {
  name: 'radius client',
  summary: 'RADIUS clients (a VPN, firewall, Wi-Fi controller): add, list, remove',
  synopsis: 'add --name N --address IP|CIDR --secret S [--mode code|password_code|challenge] [--no-message-authenticator] | list | remove ID|NAME',
  help: [
    'Subcommands:',
    '  add     --name N             what the NAS is (shown in lists and the audit log)',
    '          --address IP|CIDR    where its requests come from (IPv4 or IPv6; the most specific match wins)',
    '          --secret S           the shared secret, at least 16 characters (stored sealed, never shown)',
    '          --mode code          User-Password is the one-time code (the NAS checks the password itself; default)',
    '          --mode password_code the directory password, then the code: appended to the password in one field (the',
    "                               last 6 or 8 digits, as the user's TOTP/HOTP factor has), or the password alone",
    '                               and the code asked for by Access-Challenge (needs the directory set up)',
    '          --mode challenge     the first request gets Access-Challenge asking for the code (sent by email/SMS',
    '                               then for such users); the answer with its State is checked',
    '          --no-message-authenticator   accept requests without Message-Authenticator (only for a NAS that cannot send one)',
    '  list    the clients (never their secrets)',
    '  remove  ID|NAME',
  ].join('\n'),
  options: {
    name: { type: 'string' },
    address: { type: 'string' },
    secret: { type: 'string' },
    mode: { type: 'string' },
    'no-message-authenticator': { type: 'boolean' },
  },
  positionals: { min: 1, max: 2 },
  async run(inv) {
    const [sub, target] = inv.positionals as [string, string | undefined];
    if (sub === 'add') {
      if (target !== undefined) return inv.usage(`unexpected argument "${target}"`);
      for (const o of ['name', 'address', 'secret'] as const) if (inv.args[o] === undefined) return inv.usage(`--${o} is required`);
      const input = parseInput(
        AddRadiusClientInput,
        {
          name: inv.args.name,
          address: inv.args.address,
          secret: inv.args.secret,
          ...(inv.args.mode !== undefined ? { mode: inv.args.mode } : {}),
          requireMessageAuthenticator: inv.args['no-message-authenticator'] !== true,
        },
        { name: '--name', address: '--address', secret: '--secret', mode: '--mode' },
      );
      const view = await withServices(inv, (s) => addRadiusClient(s, input, cliActor()));
      inv.io.stdout.write(
        `Added RADIUS client ${view.id} "${view.name}" (${view.address}, mode ${view.mode}${view.requireMessageAuthenticator ? '' : ', Message-Authenticator not required'}).\n`,
      );
      return 0;
    }
    if (sub === 'list') {
      if (target !== undefined) return inv.usage(`unexpected argument "${target}"`);
      const clients = await withServices(inv, (s) => listRadiusClients(s));
      if (clients.length === 0) {
        inv.io.stdout.write('No RADIUS clients. Add one with: tessera radius client add --name N --address IP --secret S\n');
        return 0;
      }
      inv.io.stdout.write(
        formatTable(
          ['ID', 'NAME', 'ADDRESS', 'MODE', 'MESSAGE-AUTH', 'CREATED'],
          clients.map((c) => [c.id, c.name, c.address, c.mode, c.requireMessageAuthenticator ? 'required' : 'optional', shortTime(c.createdAt)]),
        ),
      );
      return 0;
    }
    if (sub === 'remove') {
      if (target === undefined) return inv.usage("remove needs the client's ID or name");
      const view = await withServices(inv, (s) => {
        const found = findRadiusClient(s, target);
        if (!found) throw new TesseraError('not_found', `No RADIUS client with the id or name "${target}"`);
        return removeRadiusClient(s, found.id, cliActor());
      });
      inv.io.stdout.write(`Removed RADIUS client ${view.id} "${view.name}"; its requests are dropped from now on.\n`);
      return 0;
    }
    return inv.usage(`unknown subcommand "radius client ${sub}" (add, list, remove)`);
  },
};

export const radius: CommandGroup = {
  name: 'radius',
  summary: 'the RADIUS server (VPNs, Wi-Fi, network devices)',
  commands: [add],
};

import { durabilityFromEnv, startTessera } from '../../tessera';
import { ensureDataDir, loadMasterKey } from '../../runtime/dataDir';
import { issueSetupToken } from '../../services/setup';
import { operatorCount } from '../../services/system';
import { VERSION } from '../../version';
import { cliActor, type Command } from '../command';
import { checkNodeKey, hasMasterKey, maskDatabaseUrl } from '../database';
import { consoleUrl, listenAddress } from '../listenAddress';
import { tightenedNote } from './init';

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export const serve: Command = {
  name: 'serve',
  summary: 'run the server and the console headless (Ctrl-C stops it cleanly)',
  synopsis: '[--host 127.0.0.1] [--port 8787]',
  help: [
    'Options:',
    '  --host ADDR   address to listen on (default TESSERA_HOST, else 127.0.0.1; anything else is',
    '                reachable from other machines, without TLS — put a TLS reverse proxy in front)',
    '  --port N      port (default TESSERA_PORT, else 8787; 0 picks a free one)',
    'With --database, several serve processes (nodes) share one PostgreSQL database; each has its',
    "own data folder holding the same master key (copy the first node's, or set TESSERA_MASTER_KEY).",
  ].join('\n'),
  options: { host: { type: 'string' }, port: { type: 'string' } },
  async run(inv) {
    const { io } = inv;
    // The same address init's setup link points at (listenAddress.ts).
    const address = listenAddress({ host: inv.args.host as string | undefined, port: inv.args.port as string | undefined }, inv.env);
    if ('problem' in address) return inv.usage(address.problem);
    const { host, port } = address;

    if (!isLoopback(host)) {
      io.stderr.write(
        `WARNING: listening on ${host}, so other machines can reach Tessera.\n` +
          'WARNING: there is no TLS: API keys, codes and console sessions cross the network in clear text.\n' +
          'WARNING: put a TLS reverse proxy in front, or listen on 127.0.0.1.\n',
      );
    }
    durabilityFromEnv(inv.env); // a bad TESSERA_DURABILITY fails before anything is created
    const dir = ensureDataDir(inv.dataDir); // startTessera does it too; here to say so when it tightened the folder
    if (dir.tightenedFrom !== null) io.stdout.write(`${tightenedNote(inv.dataDir, dir.tightenedFrom)}\n`);
    const url = inv.databaseUrl;
    if (url !== null) {
      // A node joining another node's database without that node's key would make a key that opens nothing.
      checkNodeKey(url, inv.dataDir, inv.env, hasMasterKey(inv.dataDir, inv.env) ? loadMasterKey(inv.dataDir, { createIfNew: false, env: inv.env }).key : null);
    }
    const running = await startTessera({ dataDir: inv.dataDir, host, port, env: inv.env, ...(url !== null ? { databaseUrl: url } : {}) });
    let stopping = false;
    try {
      io.stdout.write(`Tessera ${VERSION} listening on ${running.url}\n`);
      if (url !== null) io.stdout.write(`Database: ${maskDatabaseUrl(url)} (PostgreSQL, shared with the other nodes)\n`);
      // WebAuthn refuses an IP address as RP ID: operators' security keys need the console by name.
      if (/^127\./.test(host)) io.stdout.write(`For security keys and passkeys, open the console at http://localhost:${running.port}\n`);
      if (operatorCount(running.services) === 0) {
        const link = issueSetupToken(running.services, cliActor());
        if (link) {
          const base = consoleUrl(host, running.port);
          io.stdout.write(
            `No operator yet: create the first admin with this one-time link (valid until ${link.expiresAt}):\n  ${base}/setup?token=${link.token}\n`,
          );
        }
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          io.signal?.removeEventListener('abort', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        io.signal?.addEventListener('abort', stop, { once: true });
        if (io.signal?.aborted) stop();
      });
      stopping = true;
      io.stdout.write('Stopping…\n');
      await running.close();
      io.stdout.write('Stopped.\n');
      return 0;
    } finally {
      if (!stopping) await running.close();
    }
  },
};

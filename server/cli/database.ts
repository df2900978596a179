import fs from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../../shared/errors';
import { MASTER_KEY_FILE } from '../runtime/dataDir';
import { inspectDatabase, type DatabaseState } from '../services/databaseState';

/**
 * `postgres://user:***@host:5432/db`: a database URL as the CLI may print it.
 * The password (in the user info or a `password=` parameter) never reaches
 * the terminal, a log or an error line.
 */
export function maskDatabaseUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/?#]*):[^@/?#]*@/i, '$1:***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** The passwords a database URL holds (as written and percent-decoded), to keep out of any output. */
function passwordsOf(url: string): string[] {
  const found: string[] = [];
  const userInfo = /^postgres(?:ql)?:\/\/[^:@/?#]*:([^@/?#]*)@/i.exec(url)?.[1];
  const param = /[?&]password=([^&#]*)/i.exec(url)?.[1];
  for (const raw of [userInfo, param]) {
    if (!raw) continue;
    found.push(raw);
    try {
      const decoded = decodeURIComponent(raw);
      if (decoded !== raw) found.push(decoded);
    } catch {
      // not valid percent-encoding: the raw text is all there is
    }
  }
  return found;
}

/**
 * Rewrites text so that none of `urls`' passwords show: each whole URL is
 * masked, then any password left on its own (an error quoting it) becomes
 * ***. A password shorter than 4 characters is only masked inside its URL
 * (replacing every "ab" in the output would garble it, and hides nothing).
 */
export function redactDatabaseUrls(text: string, urls: readonly string[]): string {
  let out = text;
  for (const url of urls) {
    out = out.split(url).join(maskDatabaseUrl(url));
    for (const password of passwordsOf(url)) {
      if (password.length >= 4) out = out.split(password).join('***');
    }
  }
  return out;
}

/** postgres:// URLs on a command line (`--database URL`, `--database=URL`, or anywhere) and in TESSERA_DATABASE_URL. */
export function databaseUrlsIn(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const urls = argv.map((a) => a.replace(/^--database=/, '')).filter((a) => /^postgres(ql)?:\/\//i.test(a));
  const fromEnv = env.TESSERA_DATABASE_URL?.trim();
  if (fromEnv) urls.push(fromEnv);
  return [...new Set(urls)].sort((a, b) => b.length - a.length);
}

/** Whether this node has a master key already (TESSERA_MASTER_KEY, or the key file; the desktop app's sealed one too). */
export function hasMasterKey(dataDir: string, env: NodeJS.ProcessEnv): boolean {
  const file = path.join(dataDir, MASTER_KEY_FILE);
  return Boolean(env.TESSERA_MASTER_KEY) || fs.existsSync(file) || fs.existsSync(`${file}.safe`);
}

/**
 * Before a node opens a shared PostgreSQL database: if another node already
 * initialised it, this node needs THE SAME master key — a new one would open
 * nothing, and every node's data is sealed under the first key. Refuses
 * (before any key file is written) when this node has none, or has another.
 * Gives back what it found.
 */
export function checkNodeKey(url: string, dataDir: string, env: NodeJS.ProcessEnv, key: Buffer | null): DatabaseState {
  const state = inspectDatabase(url, key ?? undefined);
  if (!state.hasKeys) return state;
  const shown = maskDatabaseUrl(url);
  const keyFile = path.join(dataDir, MASTER_KEY_FILE);
  const howTo = `copy the first node's master key file to ${keyFile} (mode 0600), or set TESSERA_MASTER_KEY to that same key`;
  if (key === null) {
    throw new TesseraError(
      'conflict',
      `The database ${shown} is already initialised by another node, and this node has no master key: ${howTo}. A new key would not open its data, so none was created`,
    );
  }
  if (state.keyOpens === false) {
    const where = env.TESSERA_MASTER_KEY ? 'TESSERA_MASTER_KEY' : keyFile;
    throw new TesseraError(
      'conflict',
      `The master key in ${where} does not open the database ${shown}: it was initialised with another key. Use the first node's key: ${howTo}`,
    );
  }
  return state;
}

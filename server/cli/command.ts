import fs from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import type { ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { TesseraError } from '../../shared/errors';
import { openTessera } from '../tessera';
import { dbPath, loadMasterKey } from '../runtime/dataDir';
import { checkNodeKey, hasMasterKey, maskDatabaseUrl } from './database';
import type { Actor, Services } from '../services/index';
import { fileError } from '../services/outputFiles';
import { MAX_IMPORT_BYTES } from '../services/userImport';
import { closeServices } from '../services/system';

/** Where a command writes and reads. The real CLI passes the process's streams; tests pass their own. */
export interface CliOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Environment for TESSERA_DATA / TESSERA_MASTER_KEY. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Stops long-running commands as SIGINT would (serve closes, import and
   * export stop between chunks). The real CLI also listens for SIGINT/SIGTERM.
   */
  signal?: AbortSignal;
}

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface Invocation {
  /** Parsed options (strings and booleans; --data and --help are handled before run). */
  args: Record<string, string | boolean | undefined>;
  positionals: string[];
  io: CliIo;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /**
   * The shared PostgreSQL database (--database, else TESSERA_DATABASE_URL);
   * null for the data folder's SQLite file. It may hold a password: print
   * it only through maskDatabaseUrl.
   */
  databaseUrl: string | null;
  /** Throws a UsageError: exit 2 with this command's usage line. */
  usage(problem: string): never;
}

export interface Command {
  /** "init", "apikey create"… */
  name: string;
  summary: string;
  /** Arguments after the name, for the usage line, e.g. "--name N --scopes verify,provision,audit". */
  synopsis: string;
  /** More help: options, one per line. */
  help?: string;
  options: OptionsConfig;
  positionals?: { min: number; max: number };
  run(inv: Invocation): Promise<number>;
}

/** A command family: "apikey create|list|revoke". */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: Command[];
}

/** Bad usage: exit 2 with a short usage line. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usageLine: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The audit actor for whatever the CLI does: the operating-system account that ran it. */
export function cliActor(): Actor {
  let name: string;
  try {
    name = os.userInfo().username;
  } catch {
    name = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
  return { kind: 'system', id: null, name: `cli:${name}`, ip: null };
}

/**
 * Opens an initialised data folder (never creates one: a typo in --data must
 * not make a fresh database and key) — or, with a database URL, an
 * initialised PostgreSQL database with this node's master key. The caller
 * closes the store.
 */
export function openData(inv: Invocation): Services {
  const url = inv.databaseUrl;
  if (url === null) {
    if (!fs.existsSync(dbPath(inv.dataDir))) {
      throw new TesseraError('not_found', `No Tessera database in ${inv.dataDir}: run "tessera init" first, or pass --data DIR`);
    }
    return openTessera({ dataDir: inv.dataDir, env: inv.env, createIfNew: false });
  }
  const key = hasMasterKey(inv.dataDir, inv.env) ? loadMasterKey(inv.dataDir, { createIfNew: false, env: inv.env }).key : null;
  // An empty database is not migrated here: a wrong database name must not become a new Tessera.
  if (!checkNodeKey(url, inv.dataDir, inv.env, key).hasKeys || key === null) {
    throw new TesseraError('not_found', `No Tessera data in the database ${maskDatabaseUrl(url)}: run "tessera init --database URL" first`);
  }
  return openTessera({ dataDir: inv.dataDir, env: inv.env, createIfNew: false, databaseUrl: url, masterKey: key });
}

/** Runs fn over the opened data folder and closes it after, whatever happens. */
export async function withServices<T>(inv: Invocation, fn: (s: Services) => Promise<T> | T): Promise<T> {
  const services = openData(inv);
  try {
    return await fn(services);
  } finally {
    closeServices(services);
  }
}

/** The same zod schemas as every other way in; a failure is a reported error (exit 1) naming the problems. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, names: Record<string, string> = {}): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const messages = r.error.issues.map((i) => {
    const field = i.path.length > 0 ? String(i.path[0]) : '';
    const label = names[field];
    return label ? `${label}: ${i.message}` : i.message;
  });
  throw new TesseraError('bad_request', [...new Set(messages)].join('; '));
}

/** Reads stdin to the end. */
export async function readAll(stdin: NodeJS.ReadableStream, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > limit) throw new TesseraError('too_large', 'Standard input is too long');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line from stdin (for prompts); null at end of input. */
export async function readLine(stdin: NodeJS.ReadableStream): Promise<string | null> {
  const rl = createInterface({ input: stdin, terminal: false });
  try {
    const it = rl[Symbol.asyncIterator]();
    const next = await it.next();
    return next.done ? null : next.value;
  } finally {
    rl.close();
  }
}

/** A plain text table, columns padded to their widest cell. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** "2026-01-25 12:00Z", or "-" for none. */
export function shortTime(iso: string | null): string {
  if (!iso) return '-';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
}

/**
 * Aborts when the caller's signal does, or on SIGINT/SIGTERM while fn runs
 * (so Ctrl-C stops an import or export between chunks instead of killing it mid-write).
 */
export async function withInterrupt<T>(io: CliIo, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new TesseraError('bad_request', 'Interrupted'));
  const onAbort = () => controller.abort(io.signal?.reason);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  io.signal?.addEventListener('abort', onAbort, { once: true });
  if (io.signal?.aborted) onAbort();
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Reads a user CSV named on the command line: a regular file within the
 * import size limit, refused with one clear line otherwise.
 */
export function readCsvFile(file: string): Buffer {
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new TesseraError('bad_request', `${file} is not a file`);
    size = stat.size;
  } catch (err) {
    if (err instanceof TesseraError) throw err;
    throw fileError(err, file);
  }
  if (size > MAX_IMPORT_BYTES) {
    throw new TesseraError(
      'too_large',
      `${file} is ${(size / 1024 / 1024).toFixed(1)} MB; the limit is ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Split it into smaller files`,
    );
  }
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw fileError(err, file);
  }
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TesseraError } from '../../shared/errors';
import { defaultDataDir } from '../runtime/dataDir';
import { VERSION } from '../version';
import { databaseUrlFrom } from '../tessera';
import { databaseUrlsIn, redactDatabaseUrls } from './database';
import { UsageError, type CliIo, type Command, type CommandGroup, type Invocation } from './command';
import { init } from './commands/init';
import { serve } from './commands/serve';
import { apikey } from './commands/apikey';
import { user } from './commands/user';
import { enroll } from './commands/enroll';
import { sheets } from './commands/sheets';
import { audit } from './commands/audit';
import { backup } from './commands/backup';
import { restore } from './commands/restore';
import { directory } from './commands/directory';
import { radius } from './commands/radius';
import { operator } from './commands/operator';
import { migrate } from './commands/migrate';

export type { CliIo } from './command';

export const COMMANDS: (Command | CommandGroup)[] = [init, migrate, serve, apikey, user, operator, enroll, sheets, audit, backup, restore, radius, directory];

const DATA_HELP = [
  '  --data DIR       data folder (default $TESSERA_DATA, else the app-data folder): the SQLite',
  "                   database, or with --database this node's master key and audit anchor",
  '  --database URL   a shared PostgreSQL database (postgres://user:password@host:5432/db) for',
  '                   several nodes, instead of the SQLite file (default $TESSERA_DATABASE_URL);',
  '                   its password is never printed',
].join('\n');

function isGroup(c: Command | CommandGroup): c is CommandGroup {
  return 'commands' in c;
}

function usageLine(c: Command): string {
  return `tessera ${c.name}${c.synopsis ? ` ${c.synopsis}` : ''} [--data DIR] [--database URL]`;
}

function overview(): string {
  const lines = ['usage: tessera <command> [options]   (tessera <command> --help for more)', '', 'Commands:'];
  for (const c of COMMANDS) {
    for (const cmd of isGroup(c) ? c.commands : [c]) {
      const head = `${cmd.name} ${cmd.synopsis}`.trim();
      lines.push(head.length <= 44 ? `  ${head.padEnd(44)}  ${cmd.summary}` : `  ${head}\n  ${''.padEnd(44)}  ${cmd.summary}`);
    }
  }
  lines.push('', 'Every command takes:', DATA_HELP, '', 'Exit status: 0 success, 1 reported error (one line on stderr), 2 bad usage.');
  return `${lines.join('\n')}\n`;
}

function commandHelp(c: Command): string {
  return [`usage: ${usageLine(c)}`, '', c.summary, ...(c.help ? ['', c.help.trimEnd()] : []), DATA_HELP, ''].join('\n');
}

function groupHelp(g: CommandGroup): string {
  return [
    `usage: tessera ${g.name} <${g.commands.map((c) => c.name.split(' ')[1]).join('|')}> …`,
    '',
    g.summary,
    '',
    ...g.commands.map((c) => `  ${usageLine(c)}\n      ${c.summary}`),
    '',
  ].join('\n');
}

/** The first line of parseArgs' message, without its long hint about '--'. */
function shortParseError(err: Error): string {
  return err.message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '.');
}

async function runCommand(c: Command, argv: string[], io: CliIo): Promise<number> {
  const usage = usageLine(c);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...c.options, data: { type: 'string' }, database: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError(shortParseError(err as Error), usage);
    throw err;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    io.stdout.write(commandHelp(c));
    return 0;
  }
  const { min, max } = c.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length < min) throw new UsageError('missing argument', usage);
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument "${parsed.positionals[max]}"`, usage);
  if (values.data === '') throw new UsageError('--data needs a folder', usage);
  const env = io.env ?? process.env;
  if (values.database === '') throw new UsageError('--database needs a postgres:// URL', usage);
  let databaseUrl: string | null;
  try {
    databaseUrl = databaseUrlFrom(typeof values.database === 'string' ? values.database : undefined, env);
  } catch (err) {
    // A wrong --database is bad usage; a wrong TESSERA_DATABASE_URL is reported as the setting it is.
    if (typeof values.database === 'string') throw new UsageError((err as Error).message, usage);
    throw new TesseraError('bad_request', `TESSERA_DATABASE_URL: ${(err as Error).message}`);
  }
  const inv: Invocation = {
    args: values,
    positionals: parsed.positionals,
    io,
    env,
    dataDir: typeof values.data === 'string' ? path.resolve(values.data) : defaultDataDir(env),
    databaseUrl,
    usage(problem: string): never {
      throw new UsageError(problem, usage);
    },
  };
  return c.run(inv);
}

function redacting(out: CliIo['stdout'], urls: string[]): CliIo['stdout'] {
  return {
    write: (chunk: string) => out.write(redactDatabaseUrls(chunk, urls)),
    ...(out.isTTY !== undefined ? { isTTY: out.isTTY } : {}),
  };
}

/** One line, whatever the message holds. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * The `tessera` command line. Returns the exit status: 0 success, 1 a
 * reported error (one line on stderr, never a stack trace), 2 bad usage.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  // Whatever a command or an error prints, a database URL's password never shows (database.ts).
  const urls = databaseUrlsIn(argv, io.env ?? process.env);
  if (urls.length > 0) io = { ...io, stdout: redacting(io.stdout, urls), stderr: redacting(io.stderr, urls) };
  const [name, ...rest] = argv;
  try {
    if (name === undefined) throw new UsageError('no command given', 'tessera <command> [options]   (tessera --help lists them)');
    if (name === '--help' || name === '-h' || name === 'help') {
      const target = COMMANDS.find((c) => c.name === rest[0]);
      io.stdout.write(target ? (isGroup(target) ? groupHelp(target) : commandHelp(target)) : overview());
      return 0;
    }
    if (name === '--version' || name === '-v' || name === 'version') {
      io.stdout.write(`tessera ${VERSION}\n`);
      return 0;
    }
    const top = COMMANDS.find((c) => c.name === name);
    if (!top) throw new UsageError(`unknown command "${name}"`, 'tessera <command> [options]   (tessera --help lists them)');
    if (!isGroup(top)) return await runCommand(top, rest, io);
    const [sub, ...subArgs] = rest;
    const groupUsage = `tessera ${top.name} <${top.commands.map((c) => c.name.split(' ')[1]).join('|')}> …   (tessera ${top.name} --help)`;
    if (sub === '--help' || sub === '-h') {
      io.stdout.write(groupHelp(top));
      return 0;
    }
    if (sub === undefined) throw new UsageError(`"${top.name}" needs a subcommand`, groupUsage);
    const cmd = top.commands.find((c) => c.name === `${top.name} ${sub}`);
    if (!cmd) throw new UsageError(`unknown subcommand "${top.name} ${sub}"`, groupUsage);
    return await runCommand(cmd, subArgs, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`tessera: ${oneLine(err.message)}\nusage: ${err.usageLine}\n`);
      return 2;
    }
    if (err instanceof TesseraError) {
      io.stderr.write(`${oneLine(err.message)}\n`);
      return 1;
    }
    // Anything else is a bug or the environment (disk full…): the message only, never a stack trace.
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`Unexpected error: ${oneLine(message).slice(0, 300)}\n`);
    return 1;
  }
}

/** Runs `main` over the process's own streams and sets the exit status. */
export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  // `tessera … | head`: a reader that stops early is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const code = await main(argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
  process.exitCode = code;
  // Nothing should be left running; a stray handle must not keep a finished command alive.
  process.stdin.pause();
}

const entry = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) void runCli();

/** Helpers for the CLI's tests: run `main` in-process with captured streams, in a fresh temp folder. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from './main';
import type { CliIo } from './command';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Text on stdin (then end of input). */
  stdin?: string;
  /** Extra environment; TESSERA_DATA and TESSERA_MASTER_KEY from the real environment are never used. */
  env?: NodeJS.ProcessEnv;
  /** Custom io pieces (interactive tests). */
  io?: Partial<CliIo>;
}

export async function run(argv: string[], opts: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin,
    env: { ...opts.env },
    ...opts.io,
  });
  return { code, stdout, stderr };
}

export function tempDir(prefix = 'tessera-cli-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1]!;
}

export interface InProcessServer {
  /** Resolves with the URL once `serve` prints "listening on" (never, if it ends before). */
  url: Promise<string>;
  /** Resolves once it listens, or once it has ended without listening (a refused data folder). */
  ready: Promise<void>;
  /** Everything `serve` wrote to stdout so far. */
  stdout(): string;
  /** Stops it (as Ctrl-C does) and resolves with how `serve` ended. */
  stop(): Promise<CliRun>;
}

/** Runs `tessera serve --port 0 --data DIR` in-process (the CLI's own code, no child process) until stopped. */
export function serveInProcess(data: string, opts: RunOptions = {}): InProcessServer {
  const controller = new AbortController();
  let stdout = '';
  let seen: (url: string) => void;
  const url = new Promise<string>((r) => (seen = r));
  const done = run(['serve', '--port', '0', '--data', data], {
    ...opts,
    io: {
      ...opts.io,
      signal: controller.signal,
      stdout: {
        write(s: string) {
          stdout += s;
          const m = /listening on (http:\S+)/.exec(s);
          if (m) seen(m[1]!);
          return true;
        },
      },
    },
  });
  return {
    url,
    ready: Promise.race([url.then(() => undefined), done.then(() => undefined)]),
    stdout: () => stdout,
    async stop() {
      controller.abort();
      return done;
    },
  };
}

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

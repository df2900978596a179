/**
 * Benchmark runner: `npm run bench` runs every bench/<name>.ts,
 * `npm run bench -- verify scale` runs the named ones.
 *
 * Each bench module exports `run(): Promise<BenchResult>`. Results are printed
 * as tables and written to bench/results/<name>.json (gitignored).
 *
 * Environment (for development; the printed notes flag any override):
 *   BENCH_VERIFY_USERS, BENCH_DURATION_S   smaller verify runs
 *   BENCH_SERVER_NODE_ARGS                  extra node flags for the server child,
 *                                           e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
 *   BENCH_CLI_ENTRY                         another CLI entry instead of server/cli/main.ts
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatNumber, formatTable } from './lib/table.js';
import type { BenchResult, BenchRun } from './lib/types.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');
const NOT_BENCHES = new Set(['run']);

async function discover(): Promise<string[]> {
  const files = await readdir(BENCH_DIR);
  return files
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -'.ts'.length))
    .filter((name) => !NOT_BENCHES.has(name))
    .sort();
}

function isBenchRun(value: unknown): value is BenchRun {
  return typeof value === 'function';
}

async function loadBench(name: string): Promise<BenchRun> {
  const mod: Record<string, unknown> = await import(pathToFileURL(join(BENCH_DIR, `${name}.ts`)).href);
  const run = mod.run;
  if (!isBenchRun(run)) throw new Error(`bench/${name}.ts does not export run()`);
  return run;
}

function machine(): Record<string, string | number> {
  const cpu = cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryMb: Math.round(totalmem() / 2 ** 20),
  };
}

function goalText(result: BenchResult): string {
  if (result.goal === undefined) return '-';
  return `${result.goal.met ? 'MET' : 'NOT MET'} (${result.goal.text})`;
}

function printResult(result: BenchResult, seconds: number): void {
  console.log(`\n## ${result.name}: ${result.description}\n`);
  const rows = result.metrics.map((m) => [m.label, typeof m.value === 'number' ? formatNumber(m.value) : m.value, m.unit ?? '']);
  rows.push(['goal', goalText(result), '']);
  console.log(formatTable(['metric', 'value', 'unit'], rows, ['left', 'right', 'left']));
  for (const note of result.notes) console.log(`- ${note}`);
  console.log(`(${seconds.toFixed(1)} s)`);
}

async function writeJson(result: BenchResult, startedAt: Date, seconds: number): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.name}.json`);
  const doc = { ...result, startedAt: startedAt.toISOString(), seconds, machine: machine() };
  await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

type Outcome = { name: string; status: string };

async function runOne(name: string): Promise<Outcome> {
  console.log(`\n=== bench ${name} ===`);
  const startedAt = new Date();
  const t0 = performance.now();
  try {
    const result = await (await loadBench(name))();
    const seconds = (performance.now() - t0) / 1000;
    printResult(result, seconds);
    console.log(`results: ${await writeJson(result, startedAt, seconds)}`);
    return { name, status: result.goal === undefined ? 'done' : result.goal.met ? 'goal MET' : 'goal NOT MET' };
  } catch (err) {
    console.error(`bench ${name} FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { name, status: 'FAILED (error)' };
  }
}

/** Runs one bench in a child process (this script with one name) and reads its status from its exit code and results file. */
async function runIsolated(name: string): Promise<Outcome> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    // The child prints its own machine line and summary; keep everything else.
    process.stdout.write(text.replace(/^machine: .*\n/m, '').replace(/\n## summary[\s\S]*$/, ''));
    last += text;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const status = /\| (goal MET|goal NOT MET|done|FAILED \(error\)) \|/.exec(last.slice(last.lastIndexOf('## summary')))?.[1];
  return { name, status: code === 0 && status ? status : (status ?? 'FAILED (error)') };
}

async function main(): Promise<number> {
  const available = await discover();
  const wanted = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = wanted.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    console.error(`unknown bench: ${unknown.join(', ')} (available: ${available.join(', ')})`);
    return 2;
  }
  const names = wanted.length > 0 ? wanted : available;
  console.log(`machine: ${JSON.stringify(machine())}`);
  const outcomes: Outcome[] = [];
  // Several benches: each in a process of its own, so one's heap never shows in the next one's memory figures.
  if (names.length > 1) for (const name of names) outcomes.push(await runIsolated(name));
  else for (const name of names) outcomes.push(await runOne(name));
  console.log(
    `\n## summary\n\n${formatTable(
      ['bench', 'result'],
      outcomes.map((o) => [o.name, o.status]),
    )}`,
  );
  return outcomes.some((o) => o.status.startsWith('FAILED')) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

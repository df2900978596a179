import { afterEach, describe, expect, it } from 'vitest';
import { TesseraError } from '../../shared/errors';
import { WorkerPool } from './workerPool';

type Input = { op: 'echo'; value: string; ms: number } | { op: 'exit' } | { op: 'fail' };

// A stand-in entry speaking serveWorkerRequests' protocol, without tsx: the pool is what is under test here.
const STUB = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', ({ id, input }) => {
  if (input.op === 'exit') process.exit(3);
  if (input.op === 'fail') return parentPort.postMessage({ id, type: 'error', code: 'bad_request', message: 'no such thing' });
  setTimeout(() => parentPort.postMessage({ id, type: 'result', value: input.value + '@' + threadId }), input.ms);
});`;

const pools: WorkerPool<Input, string>[] = [];
function pool(size: number): WorkerPool<Input, string> {
  const p = new WorkerPool<Input, string>('scrypt', size, () => ({ script: STUB, eval: true }));
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const echo = (value: string, ms = 20): Input => ({ op: 'echo', value, ms });

describe('WorkerPool', () => {
  it('starts threads on demand up to its size, one request each, reusing them', async () => {
    const p = pool(2);
    expect(p.stats().threads).toBe(0);
    const all = ['a', 'b', 'c', 'd', 'e'].map((v) => p.run(echo(v)));
    expect(p.stats()).toMatchObject({ threads: 2, busy: 2, waiting: 3 });
    const out = await Promise.all(all);
    expect(out.map((s) => s.split('@')[0])).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(new Set(out.map((s) => s.split('@')[1])).size).toBe(2);
    expect(p.stats()).toMatchObject({ threads: 2, busy: 0, waiting: 0, peakBusy: 2, answered: 5 });
  });

  it('hands a free thread to waiting high-priority requests first, then in arrival order', async () => {
    const p = pool(1);
    const order: string[] = [];
    const track = (v: string, pr: 'high' | 'normal') => p.run(echo(v, 5), pr).then(() => order.push(v));
    await Promise.all([track('first', 'normal'), track('n1', 'normal'), track('n2', 'normal'), track('h1', 'high'), track('h2', 'high')]);
    expect(order).toEqual(['first', 'h1', 'h2', 'n1', 'n2']);
  });

  it("rejects with the thread's TesseraError, code and message intact, and the thread stays", async () => {
    const p = pool(1);
    const err = await p.run({ op: 'fail' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TesseraError);
    expect(err).toMatchObject({ code: 'bad_request', message: 'no such thing' });
    expect(await p.run(echo('after'))).toMatch(/^after@/);
    expect(p.stats().threads).toBe(1);
  });

  it('a thread that dies fails only its own request; the next request gets a fresh thread', async () => {
    const p = pool(1);
    const first = await p.run(echo('x'));
    const dead = p.run({ op: 'exit' });
    const queued = p.run(echo('y'));
    await expect(dead).rejects.toThrow(/stopped \(exit code 3\)/);
    const second = await queued;
    expect(second).toMatch(/^y@/);
    expect(second.split('@')[1]).not.toBe(first.split('@')[1]);
    expect(p.stats()).toMatchObject({ threads: 1, busy: 0, waiting: 0 });
  });

  it('refuses a size below one', () => {
    expect(() => new WorkerPool('scrypt', 0)).toThrow(/positive integer/);
  });
});

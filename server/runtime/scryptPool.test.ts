import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScryptEncoding, scryptHash, scryptVerify, type ScryptCost } from '../core/crypto/scryptHash';
import { hashPassword, verifyPassword, verifyPasswordAgainstNothing } from '../core/passwords';
import { HashLane, LaneBusyError, passwordLane, recoveryLane } from '../services/hashLanes';
import { SCRYPT_THREADS, scryptInWorker, scryptPool } from './scryptPool';
import { WORKER_NICE } from './workerTask';

const CHEAP: ScryptCost = { log2N: 10, r: 8, p: 1, keyLength: 32 };
const inWorker = scryptInWorker();

afterAll(() => scryptPool.close());

describe('scrypt in the hashing threads', () => {
  it('gives the same keys as libuv pool scrypt: each side verifies what the other hashed', async () => {
    const here = await scryptHash('correct horse', CHEAP);
    const there = await scryptHash('correct horse', CHEAP, undefined, inWorker);
    expect(await scryptVerify('correct horse', here, inWorker)).toBe(true);
    expect(await scryptVerify('correct horse', there)).toBe(true);
    expect(await scryptVerify('correct horsE', here, inWorker)).toBe(false);
    const salt = new Uint8Array(16).fill(7);
    expect(Buffer.from(await inWorker('é ü', salt, CHEAP)).toString('hex')).toBe(
      Buffer.from(await (await import('../core/crypto/scryptHash')).deriveOnThreadPool('é ü', salt, CHEAP)).toString('hex'),
    );
  });

  it('hashes and checks real passwords (NFKC, the password cost) the same in a thread and in-process', async () => {
    const there = await hashPassword('Cafe\u0301 au lait 42', undefined, inWorker);
    expect(parseScryptEncoding(there).cost.log2N).toBe(17);
    expect(await verifyPassword('Caf\u00e9 au lait 42', there)).toBe(true);
    const here = await hashPassword('Caf\u00e9 au lait 42');
    expect(await verifyPassword('Cafe\u0301 au lait 42', here, inWorker)).toBe(true);
    expect(await verifyPassword('Cafe au lait 42', here, inWorker)).toBe(false);
    expect(await verifyPasswordAgainstNothing('anything', inWorker)).toBe(false);
  }, 30_000);

  it('keeps core errors: a malformed encoding is integrity, before any thread work', async () => {
    await expect(scryptVerify('s', 'scrypt$10$8$1$short$short', inWorker)).rejects.toMatchObject({ code: 'integrity' });
  });

  it.runIf(process.platform === 'linux')('runs at nice WORKER_NICE; the event loop keeps its priority', async () => {
    const niceOf = (tid: string) => Number(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    await inWorker('warm', new Uint8Array(16), CHEAP); // the thread exists and has lowered itself
    const nices = fs.readdirSync('/proc/self/task').map(niceOf);
    expect(nices).toContain(WORKER_NICE);
    expect(niceOf(String(process.pid))).toBe(0);
  });

  it('never runs more than SCRYPT_THREADS (cores - 1, at least 1) hashes at once, both lanes together', async () => {
    const salt = new Uint8Array(16);
    const all = Array.from({ length: 3 * SCRYPT_THREADS + 2 }, (_, i) => scryptInWorker(i % 2 ? 'high' : 'normal')(`s${i}`, salt, CHEAP));
    expect(scryptPool.stats().busy).toBeLessThanOrEqual(SCRYPT_THREADS);
    expect(scryptPool.stats().waiting).toBe(all.length - scryptPool.stats().busy);
    await Promise.all(all);
    expect(scryptPool.stats()).toMatchObject({ busy: 0, waiting: 0 });
    expect(scryptPool.stats().threads).toBeLessThanOrEqual(SCRYPT_THREADS);
    expect(scryptPool.stats().peakBusy).toBeLessThanOrEqual(SCRYPT_THREADS);
  });

  it('a full lane still refuses with LaneBusyError before any hash, with the hashing threads as its deriver', async () => {
    const lane = new HashLane('t', 1, 1, (s) => `busy ${s}`, inWorker);
    const salt = new Uint8Array(16);
    let started = 0;
    const job = (derive: Parameters<Parameters<HashLane['run']>[0]>[0]) => (started++, derive('x', salt, CHEAP));
    const a = lane.run(job);
    const b = lane.run(job);
    await expect(lane.run(job)).rejects.toBeInstanceOf(LaneBusyError);
    await Promise.all([a, b]);
    expect(started).toBe(2);
    expect(lane.stats()).toMatchObject({ started: 2, refused: 1 });
  });

  it("the server's lanes hash in the threads", async () => {
    const salt = new Uint8Array(16);
    const before = scryptPool.stats().answered;
    await passwordLane.run((derive) => derive('x', salt, CHEAP));
    await recoveryLane.run((derive) => derive('y', salt, CHEAP), 'high');
    expect(scryptPool.stats().answered).toBe(before + 2);
  });
});

import { describe, expect, it } from 'vitest';
import { AddressLimiter, addressKey } from './addressLimiter';
import { HashLane, LaneBusyError } from './hashLanes';
import { SingleFlight } from './singleFlight';

/** The pieces behind the console's sign-in limits, without a server and without timing. */

describe('addressKey', () => {
  it('IPv4 by address, IPv4-mapped IPv6 as IPv4, IPv6 by its /64, no address in one bucket', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:DB8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey(null)).toBe('none');
  });
});

describe('AddressLimiter', () => {
  it('a burst, then one attempt per refill period; the first refusal of a run is flagged once', () => {
    const l = new AddressLimiter(3, 1000, 100);
    expect([1, 2, 3].map(() => l.take('192.0.2.1', 0).allowed)).toEqual([true, true, true]);
    expect(l.take('192.0.2.1', 0)).toEqual({ allowed: false, retryAfterSeconds: 1, firstRefusal: true });
    expect(l.take('192.0.2.1', 500)).toEqual({ allowed: false, retryAfterSeconds: 1, firstRefusal: false });
    expect(l.take('192.0.2.1', 1000).allowed).toBe(true);
    expect(l.take('192.0.2.1', 1000)).toMatchObject({ allowed: false, firstRefusal: true });
    // Another address has its own allowance; a /64 shares one.
    expect(l.take('192.0.2.2', 1000).allowed).toBe(true);
    for (let i = 0; i < 3; i++) expect(l.take(`2001:db8:1:2::${i + 1}`, 0).allowed).toBe(true);
    expect(l.take('2001:db8:1:2::99', 0).allowed).toBe(false);
  });

  it('a clock that moves back refills nothing', () => {
    const l = new AddressLimiter(1, 1000, 100);
    expect(l.take('a', 10_000).allowed).toBe(true);
    expect(l.take('a', 0).allowed).toBe(false);
    expect(l.take('a', 10_999).allowed).toBe(false);
    expect(l.take('a', 11_000).allowed).toBe(true);
  });

  it('past its size it forgets full buckets first, so a drained address stays drained', () => {
    const l = new AddressLimiter(2, 1000, 3);
    l.take('full-1', 0);
    l.take('full-2', 0);
    l.take('drained', 900);
    l.take('drained', 900);
    // At 1 s full-1 and full-2 have refilled (forgetting them changes nothing); "drained" has not.
    expect(l.take('new', 1000).allowed).toBe(true);
    expect(l.take('drained', 1000).allowed).toBe(false);
  });
});

describe('SingleFlight', () => {
  it('one holder per key; the next waits its turn; past maxWaiting acquire answers null', async () => {
    const g = new SingleFlight(2);
    const order: string[] = [];
    const first = await g.acquire('k');
    const second = g.acquire('k').then((r) => (order.push('second'), r));
    const third = g.acquire('k').then((r) => (order.push('third'), r));
    expect(await g.acquire('k')).toBeNull();
    expect(await g.acquire('other')).not.toBeNull();
    expect(order).toEqual([]);
    first!();
    first!(); // twice is once
    (await second)!();
    (await third)!();
    expect(order).toEqual(['second', 'third']);
  });
});

describe('HashLane', () => {
  it('runs at most `concurrency` at once, queues up to its limit, refuses the rest before running them, high priority first', async () => {
    const lane = new HashLane('test', 1, 2, (s) => `busy ${s}`);
    const gates: (() => void)[] = [];
    const ran: string[] = [];
    const job = (name: string) => () =>
      new Promise<string>((resolve) => {
        ran.push(name);
        gates.push(() => resolve(name));
      });
    const a = lane.run(job('a'));
    const b = lane.run(job('b'));
    const c = lane.run(job('c'), 'high');
    await expect(lane.run(job('d'))).rejects.toBeInstanceOf(LaneBusyError);
    expect(() => lane.requireRoom(1)).toThrow(LaneBusyError);
    await Promise.resolve();
    expect(ran).toEqual(['a']);
    expect(lane.stats()).toMatchObject({ running: 1, waiting: 2, refused: 2, peakRunning: 1 });
    gates.shift()!();
    expect(await a).toBe('a');
    await new Promise((r) => setImmediate(r));
    expect(ran).toEqual(['a', 'c']);
    gates.shift()!();
    await c;
    await new Promise((r) => setImmediate(r));
    gates.shift()!();
    expect(await b).toBe('b');
    expect(lane.stats()).toMatchObject({ running: 0, waiting: 0, started: 3 });
  });
});

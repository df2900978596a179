import { describe, expect, it } from 'vitest';
import { TurnLane } from './turnLane';

/** Issue 11: heavy synchronous reads take turns with the rest of the event loop's work. */
const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

/** Counts turns of the event loop (a setImmediate chain) until stopped. */
function turnCounter() {
  let turn = 0;
  let running = true;
  const tick = () => {
    turn += 1;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    now: () => turn,
    stop: () => {
      running = false;
    },
  };
}

describe('TurnLane', () => {
  it('answers with the result, or the error thrown, of each piece of work', async () => {
    const lane = new TurnLane(4);
    await expect(lane.run(() => 42)).resolves.toBe(42);
    await expect(
      lane.run(() => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
  });

  it('work over the budget runs one piece a turn, in arrival order, so the loop turns between them', async () => {
    const lane = new TurnLane(4);
    const turns = turnCounter();
    try {
      const order: number[] = [];
      const seen: number[] = [];
      await Promise.all(
        [0, 1, 2, 3, 4].map((i) =>
          lane.run(() => {
            order.push(i);
            seen.push(turns.now());
            spin(6); // over the 4 ms budget
          }),
        ),
      );
      expect(order).toEqual([0, 1, 2, 3, 4]);
      expect(new Set(seen).size).toBe(5); // each in a turn of its own
    } finally {
      turns.stop();
    }
  });

  it('small pieces share one turn while the budget lasts', async () => {
    const lane = new TurnLane(1_000);
    const turns = turnCounter();
    try {
      const seen: number[] = [];
      await Promise.all([0, 1, 2, 3, 4].map(() => lane.run(() => seen.push(turns.now()))));
      expect(new Set(seen).size).toBe(1);
      expect(lane.waiting).toBe(0);
    } finally {
      turns.stop();
    }
  });
});

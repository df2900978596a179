import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { usernameKey } from '../../../shared/schemas/text';
import { openTessera } from '../../tessera';
import type { Services } from '../index';
import { sessionIdleMsFromEnv, SESSION_IDLE_MS } from './sessionLimits';
import { authenticateSession, openSession, sessionTimes } from './sessions';

/** Issue 18: the idle timeout is configurable (TESSERA_SESSION_IDLE_SECONDS), and "Stay signed in" really restarts it. */

let dir: string | null = null;
let s: Services | null = null;
afterEach(() => {
  s?.store.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  s = null;
  dir = null;
});

function open(env: NodeJS.ProcessEnv): { services: Services; clock: { now: number } } {
  const clock = { now: Date.UTC(2026, 0, 5, 9) };
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-sessions-'));
  s = openTessera({ dataDir: dir, env, clock: () => clock.now });
  return { services: s, clock };
}

function signIn(services: Services, now: number): string {
  const id = randomUUID();
  services.store.operators.insert({
    id,
    username: 'ada',
    username_key: usernameKey('ada'),
    display_name: null,
    role: 'admin',
    password_hash: null,
    status: 'active',
    created_at: now,
  });
  const op = services.store.operators.findById(id)!;
  return services.store.tx(() => openSession(services, op, { ip: null, userAgent: null }, now, {}));
}

describe('TESSERA_SESSION_IDLE_SECONDS', () => {
  it('unset or empty keeps 30 minutes; 10 to 1800 seconds are taken; anything else is refused, saying the range', () => {
    expect(sessionIdleMsFromEnv({})).toBe(SESSION_IDLE_MS);
    expect(sessionIdleMsFromEnv({ TESSERA_SESSION_IDLE_SECONDS: ' ' })).toBe(SESSION_IDLE_MS);
    expect(sessionIdleMsFromEnv({ TESSERA_SESSION_IDLE_SECONDS: '10' })).toBe(10_000);
    expect(sessionIdleMsFromEnv({ TESSERA_SESSION_IDLE_SECONDS: '900' })).toBe(900_000);
    for (const bad of ['9', '1801', '2.5', '-30', 'ten', '1e3']) {
      expect(() => sessionIdleMsFromEnv({ TESSERA_SESSION_IDLE_SECONDS: bad })).toThrow(
        `TESSERA_SESSION_IDLE_SECONDS must be a whole number of seconds from 10 to 1800, not "${bad}"`,
      );
    }
  });

  it('a bad value stops the server before the data folder is touched', () => {
    const where = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-sessions-')), 'data');
    expect(() => openTessera({ dataDir: where, env: { TESSERA_SESSION_IDLE_SECONDS: '0' } })).toThrow(/TESSERA_SESSION_IDLE_SECONDS/);
    expect(fs.existsSync(where)).toBe(false);
    fs.rmSync(path.dirname(where), { recursive: true, force: true });
  });
});

describe('idle sessions', () => {
  it('a 60-second idle timeout ends a session 60 s after its last request, not before', () => {
    const { services, clock } = open({ TESSERA_SESSION_IDLE_SECONDS: '60' });
    const sid = signIn(services, clock.now);
    clock.now += 59_000;
    expect(authenticateSession(services, sid)).not.toBeNull(); // a request: last seen moves (more than 6 s since)
    clock.now += 59_000;
    expect(authenticateSession(services, sid)).not.toBeNull();
    clock.now += 60_000;
    expect(authenticateSession(services, sid)).toBeNull();
    expect(sessionTimes(services, sid, { extend: true })).toBeNull(); // an ended session is not brought back
    expect(authenticateSession(services, sid)).toBeNull();
  });

  it('sessionTimes tells what is left; with extend the idle clock starts again now', () => {
    const { services, clock } = open({ TESSERA_SESSION_IDLE_SECONDS: '120' });
    const sid = signIn(services, clock.now);
    clock.now += 100_000;
    expect(sessionTimes(services, sid, { extend: false })).toEqual({
      idleTimeoutMs: 120_000,
      idleRemainingMs: 20_000,
      absoluteRemainingMs: 12 * 3_600_000 - 100_000,
      touchEveryMs: 12_000,
    });
    expect(sessionTimes(services, sid, { extend: true })?.idleRemainingMs).toBe(120_000);
    clock.now += 110_000; // 210 s after sign-in, 110 s after the extension
    expect(authenticateSession(services, sid)).not.toBeNull();
  });

  it('the expiry a request reports is the real one, even when the coarse last-seen write is skipped', () => {
    const { services, clock } = open({});
    const sid = signIn(services, clock.now);
    clock.now += 20_000; // under 30 s: last seen is not written
    expect(authenticateSession(services, sid)?.expiresAt).toBe(clock.now - 20_000 + SESSION_IDLE_MS);
    clock.now += 20_000; // now 40 s since the write: written
    expect(authenticateSession(services, sid)?.expiresAt).toBe(clock.now + SESSION_IDLE_MS);
  });
});

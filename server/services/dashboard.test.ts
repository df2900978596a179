import { afterEach, describe, expect, it } from 'vitest';
import { openTestServices, type TestServices } from '../testing/harness';
import { SYSTEM_ACTOR } from './context';
import { dashboardStats } from './dashboard';

const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);
let t: TestServices | undefined;
afterEach(() => t?.close());

describe('dashboardStats', () => {
  it('counts codes sent and not delivered per day, and a verify for a user with no factor is not a failed verify', () => {
    t = openTestServices({ clock: () => NOW });
    const { services: s } = t;
    const append = (action: 'code.send' | 'verify', outcome: 'success' | 'failure', reason?: string) =>
      s.store.tx(() => s.audit.append({ actor: SYSTEM_ACTOR, action, user: 'pat', outcome, ...(reason ? { reason } : {}) }));
    append('code.send', 'success');
    append('code.send', 'success');
    append('code.send', 'failure', 'delivery_failed');
    append('code.send', 'failure', 'delivery_unconfigured');
    append('verify', 'failure', 'invalid_code');
    append('verify', 'failure', 'no_factor');

    const stats = dashboardStats(s, 7);
    expect(stats.days).toHaveLength(7);
    const today = stats.days[stats.days.length - 1]!;
    expect(today).toMatchObject({ day: '2026-03-10', codeSent: 2, codeNotDelivered: 2, verifyFailure: 1 });
    expect(stats.days.slice(0, -1).every((d) => d.codeSent === 0 && d.codeNotDelivered === 0)).toBe(true);
  });
});

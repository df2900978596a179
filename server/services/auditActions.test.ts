import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_PROBLEMS } from '../../shared/schemas/audit';
import { BULK_SKIP_REASONS } from '../../shared/schemas/userBulk';
import { WEBAUTHN_REASONS } from '../../shared/schemas/webauthn';
import {
  AUDIT_ACTIONS,
  CODE_REASONS,
  DELIVERY_REASONS,
  DIRECTORY_REASONS,
  LOGIN_REASONS,
  auditActionLabel,
  auditProblemText,
  auditReasonText,
  isAuditAction,
} from '../../shared/auditActions';

const SERVER = path.join(import.meta.dirname, '..');

/** The server's own source (not tests, not test helpers), path → text. */
function serverSources(dir = SERVER, out = new Map<string, string>()): Map<string, string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'testing') serverSources(p, out);
    } else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name)) {
      out.set(path.relative(SERVER, p), fs.readFileSync(p, 'utf8'));
    }
  }
  return out;
}

const sources = serverSources();

/** Every action literal the server hands to AuditLog.append / reanchor (or as a default parameter). */
function writtenActions(): Map<string, string> {
  const found = new Map<string, string>();
  for (const [file, text] of sources) {
    for (const m of text.matchAll(/\baction(?:: AuditAction)?\s*[:=]\s*'([a-z_.]+)'/g)) found.set(m[1]!, file);
  }
  return found;
}

/** Reason codes written by the server: snake_case literals given as `reason`, or to the sign-in failure recorders. */
function writtenReasonCodes(): Map<string, string> {
  const found = new Map<string, string>();
  for (const [file, text] of sources) {
    for (const line of text.split('\n')) {
      if (/TesseraError\(|CSV_COLUMNS/.test(line)) continue;
      if (/recordLoginFailure\(|secondStepFailed\(/.test(line)) {
        // Not the operand of a comparison (`x === 'replay' ? … : …`).
        for (const m of line.matchAll(/(?<![=!]== )'([a-z_]+)'/g)) found.set(m[1]!, file);
      } else if (/\breason\b/.test(line)) {
        for (const m of line.matchAll(/(?<![=!]== )'([a-z]+_[a-z_]+)'/g)) found.set(m[1]!, file);
      }
    }
  }
  return found;
}

describe('audit actions', () => {
  it('finds the actions in the server source (the scan works)', () => {
    const actions = writtenActions();
    expect(actions.size).toBeGreaterThanOrEqual(30);
    expect(actions.has('verify')).toBe(true);
    expect(actions.has('factor.enroll')).toBe(true);
  });

  it('every action the server can write is in AUDIT_ACTIONS, with a label', () => {
    for (const [action, file] of writtenActions()) {
      expect(isAuditAction(action), `${action} (${file}) is not in shared/auditActions.ts`).toBe(true);
      expect(auditActionLabel(action), action).not.toBe(action);
      expect(auditActionLabel(action).length, action).toBeGreaterThan(3);
    }
  });

  it('every action in AUDIT_ACTIONS is written somewhere (no label for nothing)', () => {
    const written = writtenActions();
    expect(Object.keys(AUDIT_ACTIONS).filter((a) => !written.has(a))).toEqual([]);
  });

  it('every reason code the server writes has words', () => {
    const known = new Set([
      ...Object.keys(CODE_REASONS),
      ...Object.keys(LOGIN_REASONS),
      ...Object.keys(WEBAUTHN_REASONS),
      ...Object.keys(DELIVERY_REASONS),
      ...Object.keys(DIRECTORY_REASONS),
      // A bulk action's skipped users (in its answer, shown by the console; not audit reasons, but `reason:` all the same).
      ...Object.keys(BULK_SKIP_REASONS),
    ]);
    const codes = writtenReasonCodes();
    expect(codes.has('address_limited')).toBe(true);
    expect([...codes].filter(([c]) => !known.has(c)).map(([c, f]) => `${c} (${f})`)).toEqual([]);
  });

  it('labels reasons by the action that recorded them, free text as it is', () => {
    expect(auditReasonText('operator.login', 'address_limited')).toBe('too many sign-ins from this address');
    expect(auditReasonText('operator.login', 'wrong_password')).toBe('wrong password');
    expect(auditReasonText('verify', 'locked_out')).toBe('wrong code, now locked');
    expect(auditReasonText('factor.confirm', 'invalid_code')).toBe('wrong code');
    expect(auditReasonText('webauthn.authenticate', 'throttled')).toBe(WEBAUTHN_REASONS.throttled);
    expect(auditReasonText('verify', 'throttled')).toBe('throttled');
    // A reason an operator typed.
    expect(auditReasonText('user.reset', 'lost phone')).toBe('lost phone');
    expect(auditReasonText('user.reset', 'invalid_code')).toBe('invalid_code');
    // An action from an older log, and prototype keys.
    expect(auditActionLabel('legacy.thing')).toBe('legacy.thing');
    expect(auditActionLabel('toString')).toBe('toString');
    expect(auditReasonText('verify', 'constructor')).toBe('constructor');
  });

  it('every integrity problem has words', () => {
    for (const p of AUDIT_PROBLEMS) expect(auditProblemText(p), p).toMatch(/\w{3}/);
    expect(auditProblemText('something_new')).toBeNull();
  });
});

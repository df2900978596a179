import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../../shared/errors';
import type { OperatorRow } from '../../services/index';
import { admitOperator, checkCsrf, type ConsoleRequest } from './consoleAuth';
import type { ConsoleSessionInfo } from './session';

const session = (role: OperatorRow['role']): ConsoleSessionInfo => ({ id: 's', operator: { id: 'op-1', username: 'zoë', role } as OperatorRow });
const request = (over: Partial<ConsoleRequest> = {}): ConsoleRequest => ({
  session: session('admin'),
  ip: '127.0.0.1',
  sameOriginRequest: true,
  crossSite: false,
  ...over,
});

function refusal(fn: () => unknown): { status: number; message: string } | 'admitted' {
  try {
    fn();
    return 'admitted';
  } catch (err) {
    if (!(err instanceof TesseraError)) throw err;
    return { status: err.status, message: err.message };
  }
}

describe('consoleAuth: one admission for tRPC and the console routes', () => {
  it('admits a signed-in operator of the role and names them as the actor', () => {
    expect(admitOperator(request(), 'admin', 'header')).toEqual({
      session: session('admin'),
      actor: { kind: 'operator', id: 'op-1', name: 'zoë', ip: '127.0.0.1' },
    });
  });

  it('checks the CSRF rule first, then the session, then the role', () => {
    const csrf = { status: 403, message: 'Cross-site request refused' };
    expect(refusal(() => admitOperator(request({ session: null, sameOriginRequest: false }), 'admin', 'header'))).toEqual(csrf);
    expect(refusal(() => admitOperator(request({ session: null }), 'admin', 'header'))).toEqual({ status: 401, message: 'Sign in to continue' });
    expect(refusal(() => admitOperator(request({ session: session('auditor') }), 'admin', 'header'))).toEqual({
      status: 403,
      message: 'Your role does not allow this',
    });
  });

  it('header: the CSRF header and not cross-site; sameSite: only not cross-site; none: nothing', () => {
    const noHeader = { sameOriginRequest: false, crossSite: false };
    const crossSite = { sameOriginRequest: false, crossSite: true };
    expect(refusal(() => checkCsrf(noHeader, 'header'))).not.toBe('admitted');
    expect(refusal(() => checkCsrf(noHeader, 'sameSite'))).toBe('admitted');
    expect(refusal(() => checkCsrf(crossSite, 'sameSite'))).not.toBe('admitted');
    expect(refusal(() => checkCsrf(crossSite, 'none'))).toBe('admitted');
  });
});

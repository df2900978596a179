import type { OperatorRole } from '../../../../shared/schemas/operators';

/** What each role may do, in a line (the server's role sets in shared/roles.ts decide; this only explains). */
export const ROLE_DESCRIPTIONS: Record<OperatorRole, string> = {
  admin: 'Everything: users, methods and settings, API clients, operators, the audit log.',
  helpdesk: 'Find users, reset a lost device, unlock, reissue recovery codes. No settings, no audit log.',
  auditor: 'Read-only: users, settings, API clients, operators; browse, export and check the audit log.',
};

export const ROLE_COLORS: Record<OperatorRole, string> = { admin: 'red', helpdesk: 'blue', auditor: 'grape' };

export const STATUS_TEXT: Record<'pending' | 'active' | 'disabled', { label: string; color: string; hint: string }> = {
  pending: { label: 'Awaiting first sign-in', color: 'yellow', hint: 'Has not yet signed in and set up an authenticator app.' },
  active: { label: 'Active', color: 'green', hint: 'Can sign in.' },
  disabled: { label: 'Disabled', color: 'gray', hint: 'Cannot sign in; their sessions were ended.' },
};

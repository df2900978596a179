import type { ApiScope } from '../../../../shared/schemas/apiKeys';

/** What each scope lets an application do (the REST API's routes, in words). */
export const SCOPE_TEXT: Record<ApiScope, { label: string; description: string }> = {
  verify: {
    label: 'Verify codes',
    description: 'Check a user’s one-time code (POST /verify). What a sign-in page needs, and nothing more.',
  },
  provision: {
    label: 'Provision users and factors',
    description: 'Create, unlock, reset and delete users; enroll and remove factors; issue recovery codes. Can see new secrets.',
  },
  audit: {
    label: 'Read the audit log',
    description: 'Read users, the audit log and its integrity check. Read-only.',
  },
};

// One freePort for tests, e2e and bench: server/testing/serverProcess.ts.
export { freePort } from '../../server/testing/serverProcess.js';

// The integrity check's worker thread in a source checkout (npm start, the CLI,
// vitest): a worker does not inherit tsx's loader, so this loads the
// TypeScript entry through tsx's API. The desktop bundle has a built
// auditVerifyWorker.js instead (build/electron.ts), which the runner prefers.
import { tsImport } from 'tsx/esm/api';

await tsImport('./auditVerifyWorker.ts', import.meta.url);

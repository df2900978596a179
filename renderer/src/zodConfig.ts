import { z } from 'zod';

// Imported first by main.tsx, before any schema is defined: zod's JIT probes
// `new Function`, which the console's CSP (script-src 'self') reports as a violation.
z.config({ jitless: true });

/** A hashing thread (server/runtime/scryptPool.ts): scrypt here, synchronously, at the thread's lowered priority. */
import { scryptSync } from 'node:crypto';
import { TesseraError } from '../../shared/errors';
import { scryptOptions } from '../core/crypto/scryptHash';
import type { ScryptJob } from './scryptPool';
import { serveWorkerRequests } from './workerTask';

serveWorkerRequests<ScryptJob, Uint8Array>(({ secret, salt, cost }) => {
  try {
    return scryptSync(secret, salt, cost.keyLength, scryptOptions(cost));
  } catch {
    throw new TesseraError('internal', 'Key derivation failed');
  }
});

/**
 * Worker entry (WORKER_ENTRIES.userCsv): parses a user CSV off the event loop
 * and posts its rows back in batches as it goes. Input: the file's bytes
 * (moved here, not copied); result: the file's summary.
 */
import { serveWorkerTask } from '../runtime/workerTask';
import { parseUserCsv, type UserCsvBatch, type UserCsvSummary } from './userCsv';

serveWorkerTask<Uint8Array, UserCsvSummary, UserCsvBatch>((bytes, post) => parseUserCsv(bytes, post));

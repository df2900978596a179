import fs from 'node:fs';
import { stopPid } from './server';

/** Stops the server global-setup.ts started and removes its data dir (kept with TESSERA_E2E_KEEP_DATA=1). */
export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env.TESSERA_E2E_PID);
  if (Number.isInteger(pid) && pid > 0) await stopPid(pid);
  const dataDir = process.env.TESSERA_E2E_DATA;
  if (dataDir && process.env.TESSERA_E2E_KEEP_DATA !== '1') fs.rmSync(dataDir, { recursive: true, force: true });
}

import { TesseraError } from '../../../shared/errors';
import type { Command } from '../command';

/** Batch QR enrollment sheets: part of the contract, not in this version yet. */
export const sheets: Command = {
  name: 'sheets',
  summary: 'batch QR enrollment sheets (not available in this version yet)',
  synopsis: '--users FILE|--without-factor --out FILE.pdf',
  options: { users: { type: 'string' }, 'without-factor': { type: 'boolean' }, out: { type: 'string' } },
  async run() {
    throw new TesseraError('bad_request', 'tessera sheets is not available in this version yet');
  },
};

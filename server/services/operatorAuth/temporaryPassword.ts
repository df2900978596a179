import { randomInt } from 'node:crypto';

/**
 * Letters and digits that cannot be mistaken for one another when read
 * aloud or copied from a screen (no 0/o, 1/l/i): 31 symbols.
 */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const GROUPS = 4;
const GROUP_LENGTH = 5;

/**
 * A temporary password for an operator: four groups of five, e.g.
 * `k7m2p-9qrtx-…` — 20 symbols from 31, about 99 bits from the CSPRNG
 * (randomInt is uniform, no modulo bias). Long enough for the password rules,
 * short enough to read out over the phone; its owner replaces it at sign-in.
 */
export function generateTemporaryPassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let group = '';
    for (let i = 0; i < GROUP_LENGTH; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

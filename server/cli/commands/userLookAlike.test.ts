import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../testkit';

const CYRILLIC_ALICE = '\u0430lice'; // а (U+0430) + "lice"

describe('CLI user add', () => {
  it('refuses a look-alike: exit 1 and one line naming the existing user', async () => {
    const data = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-lookalike-')), 'data');
    try {
      expect((await run(['init', '--data', data])).code).toBe(0);
      expect((await run(['user', 'add', 'alice', '--data', data])).code).toBe(0);
      const alike = await run(['user', 'add', CYRILLIC_ALICE, '--data', data]);
      expect(alike.code).toBe(1);
      expect(alike.stderr).toContain('looks like the existing user "alice"');
      const mixed = await run(['user', 'add', 'p\u0430ypal', '--data', data]);
      expect(mixed.code).toBe(1);
      expect(mixed.stderr).toMatch(/mixes Latin and Cyrillic letters/);
    } finally {
      fs.rmSync(path.dirname(data), { recursive: true, force: true });
    }
  });
});

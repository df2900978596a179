import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// Keeps the core pure: no I/O modules, no ambient clock, no imports from the outer layers.
const root = new URL('.', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('server/core purity', () => {
  const files = sources(root);

  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(15);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s does no I/O and reads no clock', (_, file) => {
    const text = readFileSync(file, 'utf8');
    const imports = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
    for (const spec of imports) {
      expect(spec).not.toMatch(/^(node:)?(fs|fs\/promises|net|http|https|child_process|dgram|dns|tls|worker_threads)$/);
      expect(spec).not.toMatch(/\/(store|api|services|cli)\//);
      expect(spec).not.toMatch(/\.(ts|js)$/); // extensionless relative imports
    }
    expect(text).not.toMatch(/Date\.now\(|new Date\(\)|performance\.now\(|process\.env|Math\.random\(/);
  });
});

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';

/** Where `shot` saves screenshots: e2e/artifacts/screens/ (git-ignored, kept by CI as artifacts). */
export const SCREENS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts', 'screens');

/**
 * Saves a full-page screenshot of `page` as e2e/artifacts/screens/NAME.png
 * and returns its path. NAME may use letters, digits, '.', '_' and '-'
 * (anything else becomes '-'), e.g. `shot(page, 'users-list')`.
 */
export async function shot(page: Page, name: string): Promise<string> {
  const base =
    name
      .replace(/\.png$/i, '')
      .replace(/[^\w.-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'screen';
  const file = path.join(SCREENS_DIR, `${base}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

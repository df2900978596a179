import fs from 'node:fs';
import { chromium, type LaunchOptions } from '@playwright/test';

/** Debian's chromium: what CI installs (`apt-get install chromium`) and what our build machines can get. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for Debian's chromium here: as root it needs --no-sandbox; without the
 * background-networking flags it keeps trying to reach Google's hosts, which
 * this machine's closed network refuses.
 */
export const DEBIAN_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const NO_CHROMIUM_MESSAGE = "No Chromium found: install Debian's chromium (sudo apt-get install chromium) or run npx playwright install chromium";

/**
 * Launch options for the Chromium to test in: Debian's when present, else
 * Playwright's own download when that exists, else null.
 */
export function chromiumLaunchOptions(exists: (file: string) => boolean = fs.existsSync): LaunchOptions | null {
  if (exists(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM, args: [...DEBIAN_CHROMIUM_ARGS] };
  let bundled = '';
  try {
    bundled = chromium.executablePath();
  } catch {
    // Playwright throws when it has no browser registry entry at all.
  }
  if (bundled && exists(bundled)) return {};
  return null;
}

/** For the config: the launch options, or one line on stderr and exit 1. */
export function requireChromium(): LaunchOptions {
  const options = chromiumLaunchOptions();
  if (!options) {
    console.error(NO_CHROMIUM_MESSAGE);
    process.exit(1);
  }
  return options;
}

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The system's Chromium (Debian package `chromium`), or the one `CLEAVE_TEST_CHROMIUM` names. */
export const chromiumPath = process.env.CLEAVE_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * True when Chromium is installed. Under CI a missing browser fails the run; elsewhere the caller passes its
 * browser cases and one line says how to enable them.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  if (process.env.CI === 'true') throw new Error(`Chromium is required in CI but ${chromiumPath} does not exist`);
  console.log(`Browser tests skipped: install Chromium (apt-get install chromium) or set CLEAVE_TEST_CHROMIUM to its path`);
  return false;
}

/** Launches headless Chromium (playwright gives it a fresh profile of its own, removed when it closes). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

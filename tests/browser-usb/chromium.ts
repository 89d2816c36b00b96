/**
 * Debian's Chromium driven over CDP with playwright-core (never a downloaded browser), in the
 * default profile of a persistent user data dir: an Isolated Web App installs only into a real
 * profile, not into Playwright's incognito-like contexts.
 */
import { readFileSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';

/** No network beyond what the test serves, no first-run UI, no GPU (headless=new in a VM). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Playwright passes its own --enable-features; Chromium keeps the last one, so ours repeats
 * Playwright's list (CDPScreenshotNewSurface, SkipListAccountsWithoutGaiaCookies) before adding.
 * IsolatedWebAppDevMode opens chrome://iwa-dev and the dev-mode proxy install (IsolatedWebApps
 * is on by default in 156; named anyway for older builds).
 */
export const IWA_FEATURES: readonly string[] = ['CDPScreenshotNewSurface', 'SkipListAccountsWithoutGaiaCookies', 'IsolatedWebApps', 'IsolatedWebAppDevMode'];

export interface ChromiumOptions {
  readonly userDataDir: string;
  /** Default: $CHROMIUM_PATH, else /usr/bin/chromium. */
  readonly executablePath?: string;
  /** Turns on the IWA developer mode (chrome://iwa-dev). */
  readonly isolatedWebApps?: boolean;
  /** Chromium's own log (--enable-logging --log-file), for troubleshootingLines(). */
  readonly logFile?: string;
  /** Chromium under TCG: 10–15 s to start in the browser-usb suite (~27 s in the first trials); Playwright's default is 180 s. */
  readonly timeoutMs?: number;
}

export interface RunningChromium {
  readonly context: BrowserContext;
  /** From spawning Chromium to its CDP endpoint answering, ms. */
  readonly startMs: number;
  close(): Promise<void>;
}

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
}

export async function launchChromium(options: ChromiumOptions): Promise<RunningChromium> {
  const args = [
    ...CHROMIUM_ARGS,
    ...(options.isolatedWebApps ? [`--enable-features=${IWA_FEATURES.join(',')}`] : []),
    ...(options.logFile ? ['--enable-logging', `--log-file=${options.logFile}`] : []),
  ];
  const started = performance.now();
  const context = await chromium.launchPersistentContext(options.userDataDir, {
    executablePath: options.executablePath ?? chromiumPath(),
    headless: true,
    args,
    timeout: options.timeoutMs ?? 180_000,
  });
  return { context, startMs: performance.now() - started, close: () => context.close() };
}

/**
 * The last errors in Chromium's log (a crashed GPU process, a renderer gone), without the D-Bus
 * complaints of a machine that has no D-Bus (the QEMU guest).
 */
export function troubleshootingLines(logFile: string, count = 12): string[] {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => /:(ERROR|FATAL):/.test(line) && !line.includes(':dbus/'))
    .slice(-count)
    .map((line) => `chromium: ${line.slice(0, 300)}`);
}

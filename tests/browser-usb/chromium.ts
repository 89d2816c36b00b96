/**
 * Debian's Chromium driven over CDP with playwright-core (never a downloaded browser), in the
 * default profile of a persistent user data dir: an Isolated Web App installs only into a real
 * profile, not into Playwright's incognito-like contexts.
 */
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
  readonly extraArgs?: readonly string[];
  /** Chromium under TCG starts in ~27 s; Playwright's default is 180 s. */
  readonly timeoutMs?: number;
}

export interface RunningChromium {
  readonly context: BrowserContext;
  /** From spawning Chromium to its CDP endpoint answering, ms. */
  readonly startMs: number;
  /** performance.now() when it answered. */
  readonly startedAt: number;
  close(): Promise<void>;
}

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
}

export async function launchChromium(options: ChromiumOptions): Promise<RunningChromium> {
  const args = [...CHROMIUM_ARGS, ...(options.isolatedWebApps ? [`--enable-features=${IWA_FEATURES.join(',')}`] : []), ...(options.extraArgs ?? [])];
  const started = performance.now();
  const context = await chromium.launchPersistentContext(options.userDataDir, {
    executablePath: options.executablePath ?? chromiumPath(),
    headless: true,
    args,
    timeout: options.timeoutMs ?? 180_000,
  });
  const startedAt = performance.now();
  return { context, startMs: startedAt - started, startedAt, close: () => context.close() };
}

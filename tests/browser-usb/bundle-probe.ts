/**
 * Tries every developer-mode route that installs the signed bundle (.swbn from npm run build:iwa)
 * and reports what Chromium answers. Not a pass/fail test: Chromium 156 drops all three without a
 * word (docs/deploy.md §2, "The signed bundle"), and this is how anyone can see it again.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS, IWA_FEATURES } from './chromium';
import { installedIsolatedApps } from './iwa-dev';

export interface ProbeOutcome {
  readonly route: string;
  readonly installed: boolean;
  /** What Chromium said: its answer, its log lines about the install, or that it said nothing. */
  readonly answer: string;
  readonly ms: number;
}

const HANDLER = "(await import('chrome://iwa-dev/iwa_dev.mojom-webui.js')).browserProxyFactory.getInstance().handler";

/** Serves the bundle and an update manifest listing it (WICG/isolated-web-apps Updates.md). */
async function serveBundle(bundle: Uint8Array, version: string): Promise<{ bundleUrl: string; manifestUrl: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  let origin = '';
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    if (request.url === '/ecard-pin.swbn') {
      response.writeHead(200, { 'content-type': 'application/webbundle' });
      response.end(bundle);
    } else if (request.url === '/update.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ versions: [{ version, src: `${origin}/ecard-pin.swbn`, channels: ['default'] }] }));
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    bundleUrl: `${origin}/ecard-pin.swbn`,
    manifestUrl: `${origin}/update.json`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** --install-isolated-web-app-from-file: Chromium's log is the only place an answer could appear. */
async function commandLine(bundlePath: string, waitMs: number): Promise<ProbeOutcome> {
  const lines: string[] = [];
  const started = performance.now();
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ecard-iwa-probe-')), {
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_ARGS, `--enable-features=${IWA_FEATURES.join(',')}`, '--enable-logging=stderr', '--v=0', `--install-isolated-web-app-from-file=${bundlePath}`],
    logger: { isEnabled: (name) => name === 'browser', log: (_name, _severity, message) => void lines.push(String(message)) },
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    const apps = await installedIsolatedApps(context);
    const said = lines.filter((l) => /isolated web app|IsolatedWebApp|isolated_web_app/i.test(l)).map((l) => l.replace(/^.*?\] /, ''));
    return {
      route: '--install-isolated-web-app-from-file',
      installed: apps.length > 0,
      answer: said.length > 0 ? said.join(' | ') : `no log line about the install in ${waitMs / 1000} s`,
      ms: performance.now() - started,
    };
  } finally {
    await context.close();
  }
}

/** chrome://iwa-dev "Install IWA via Update Manifest" (installAppFromUpdateManifest). */
async function updateManifest(context: BrowserContext, bundle: Uint8Array, version: string, waitMs: number): Promise<ProbeOutcome> {
  const served = await serveBundle(bundle, version);
  const page = await context.newPage();
  const started = performance.now();
  try {
    await page.goto('chrome://iwa-dev');
    const answer = await withTimeout(
      page.evaluate<string>(`(async () => {
        const h = ${HANDLER};
        try { await h.installAppFromUpdateManifest(${JSON.stringify(served.bundleUrl)}, { updateManifestUrl: ${JSON.stringify(served.manifestUrl)}, updateChannel: 'default' }); return 'installed'; }
        catch (e) { if (e?.message) return 'refused: ' + e.message; }
        try { await h.getInstalledAppsInfo(); return 'rejected without a message'; } catch (e) { return 'no answer: the page handler closed its Mojo pipe (' + (e?.message ?? e) + ')'; }
      })()`),
      waitMs,
    );
    const apps = await installedIsolatedApps(context);
    return {
      route: 'chrome://iwa-dev update manifest',
      installed: apps.some((a) => a.proxyOrigin === null),
      answer: `${answer === 'timeout' ? `no answer in ${waitMs / 1000} s` : answer}; the server saw: ${served.requests.join(', ') || 'nothing'}`,
      ms: performance.now() - started,
    };
  } finally {
    await page.close();
    await served.close();
  }
}

/** CDP PWA.install with the bundle's ID and a file:// URL (DevTools protocol, PWA domain). */
async function devtools(context: BrowserContext, bundlePath: string, webBundleId: string, waitMs: number): Promise<ProbeOutcome> {
  const page = await context.newPage();
  const session = await context.newCDPSession(page);
  const started = performance.now();
  try {
    const answer = await withTimeout(
      session.send('PWA.install', { manifestId: `isolated-app://${webBundleId}/`, installUrlOrBundleUrl: `file://${bundlePath}` }).then(
        () => 'installed',
        (error: unknown) => `refused: ${(error as Error).message}`,
      ),
      waitMs,
    );
    const apps = await installedIsolatedApps(context);
    return {
      route: 'CDP PWA.install file://',
      installed: apps.some((a) => a.webBundleId === webBundleId),
      answer: answer === 'timeout' ? `no answer in ${waitMs / 1000} s` : answer,
      ms: performance.now() - started,
    };
  } finally {
    await session.detach().catch(() => undefined);
    await page.close();
  }
}

export async function probeSignedBundle(
  context: BrowserContext,
  options: { readonly bundlePath: string; readonly webBundleId: string; readonly version: string; readonly waitMs?: number },
): Promise<ProbeOutcome[]> {
  const waitMs = options.waitMs ?? 20_000;
  const bundle = new Uint8Array(readFileSync(options.bundlePath));
  return [
    await commandLine(options.bundlePath, waitMs),
    await updateManifest(context, bundle, options.version, waitMs),
    await devtools(context, options.bundlePath, options.webBundleId, waitMs),
  ];
}

/**
 * The browser-usb suite, run INSIDE the QEMU guest (node dist-node/guest-browser-usb.mjs), all in
 * this one process: the USB/IP server and the virtual readers (guest-desk.ts), the built app served
 * on the guest's 127.0.0.1 (dist/ as a page, dist-iwa/app as the IWA's dev-mode proxy and as its
 * control without usb-unrestricted), the managed WebUsbAllowDevicesForUrls policy written before
 * Chromium starts, and Debian's Chromium (headless=new) driven by playwright-core. The page has no
 * injected navigator.usb: it uses Chromium's WebUSB on readers the guest kernel enumerated.
 *
 *   --screenshots DIR   a PNG of each screen the scenarios look at (the host copies them to docs/)
 *   --only TEXT[,TEXT]  only the scenarios whose name contains one of these (the IWA installs run anyway)
 *   --probe-signed-bundle FILE   also try to install this .swbn by every route and print Chromium's
 *                       answers (docs/deploy.md §2.1; not a pass/fail check)
 *
 * Prints BROWSER-USB-TEST ok|FAIL lines (with each scenario's facts), BROWSER-USB-TIME and
 * BROWSER-USB-FACTS <json> lines (guest boot, Chromium start, …; the card ledgers) for the host's
 * tables, and BROWSER-USB-SUITE at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { serveApp } from '../../scripts/serve-app.mjs';
import { readIntegrityBlock } from '../iwa/integrity-block';
import { createGuestReport } from '../support/guest-report';
import { startUsbipServer } from '../usbip/server';
import { startUdevd } from '../pcsc-bridge/guest-pcscd';
import { probeSignedBundle } from './bundle-probe';
import { launchChromium, troubleshootingLines } from './chromium';
import { guestDesk, readerInfo } from './guest-desk';
import { effectivePolicies, webUsbAllowDevicesForUrls, writeManagedPolicy } from './policy';
import { READERS, runSuite, suiteOrigins } from './suite';

/** The plain page's port on the guest's loopback (the policy names its origin). */
const PAGE_PORT = 4476;
const TCG_TIMEOUT_MS = 120_000;
const CHROMIUM_LOG = '/tmp/chromium.log';
const report = createGuestReport('BROWSER-USB');

/** The guest kernel's last lines about USB (vhci-hcd, the hub, usbfs) and udev's queue: did the reader leave the bus, and did Chromium get to hear it. */
function kernelUsbLines(count = 12): string[] {
  try {
    const log = execFileSync('dmesg', ['--ctime'], { encoding: 'utf8' });
    const lines = log.split('\n').filter((line) => /usb|vhci/i.test(line)).slice(-count).map((line) => `kernel: ${line.slice(0, 300)}`);
    let queue = 'empty';
    try {
      execFileSync('udevadm', ['settle', '--timeout=0']);
    } catch {
      queue = 'events still queued';
    }
    return [...lines, `udev: ${queue}`];
  } catch {
    return [];
  }
}

function argValue(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** Times for the host's table, in ms. */
function time(what: string, ms: number): void {
  report.data('TIME', { what, ms: Math.round(ms) });
}

async function main(): Promise<void> {
  // Seconds since the guest's kernel started, when this process did: the guest's boot.
  time('guest boot (kernel start to the suite)', (Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) - process.uptime()) * 1000);
  const repo = process.cwd();
  const screenshotsDir = argValue('--screenshots') ?? null;
  if (screenshotsDir) mkdirSync(screenshotsDir, { recursive: true });

  const started = performance.now();
  const server = await startUsbipServer();
  // Chromium learns of plugged and unplugged devices from udev's netlink events (its UdevWatcher).
  await startUdevd();
  const desk = guestDesk(server);
  const page = await serveApp({ root: resolve(repo, 'dist'), port: PAGE_PORT });
  const iwa = await serveApp({ root: resolve(repo, 'dist-iwa/app'), iwa: true });
  const control = await serveApp({ root: resolve(repo, 'dist-iwa/app'), iwa: true, usbUnrestricted: false });
  // Before Chromium starts: a policy file written later is not reliably read (policy.ts).
  const policy = webUsbAllowDevicesForUrls(Object.values(READERS).map(readerInfo), suiteOrigins(page.url));
  writeManagedPolicy(policy);
  time('USB/IP server, udevd, app servers, policy', performance.now() - started);

  const chromium = await launchChromium({ userDataDir: mkdtempSync(join(tmpdir(), 'ecard-browser-usb-')), isolatedWebApps: true, logFile: CHROMIUM_LOG });
  /** What a failing scenario prints below its line: Chromium's last errors and the guest kernel's last USB lines. */
  const chromiumErrors = () => [...troubleshootingLines(CHROMIUM_LOG), ...kernelUsbLines()];
  time('Chromium start', chromium.startMs);
  // Under TCG a first page load (a new renderer) takes 10–30 s; Playwright's 30 s is too tight.
  chromium.context.setDefaultTimeout(TCG_TIMEOUT_MS);
  try {
    await report.test('Chromium applies the managed WebUsbAllowDevicesForUrls written before it started', async () => {
      const applied = (await effectivePolicies(chromium.context))['WebUsbAllowDevicesForUrls'];
      if (!isDeepStrictEqual(applied, policy.WebUsbAllowDevicesForUrls)) throw new Error(`chrome://policy shows ${JSON.stringify(applied)}`);
      return `Chromium ${chromium.context.browser()?.version() ?? '?'}: ${JSON.stringify(applied)}`;
    });
    await runSuite({
      context: chromium.context,
      desk,
      pageUrl: page.url,
      iwaProxyUrl: iwa.url,
      controlIwaProxyUrl: control.url,
      screenshotsDir,
      only: argValue('--only')?.split(',') ?? null,
      note: (line) => report.data('NOTE', line),
      time,
      test: (name, body) =>
        report.test(
          name,
          async () => {
            const at = performance.now();
            const facts = await body();
            const ms = performance.now() - at;
            time(name, ms);
            report.data('FACTS', { name, facts });
            return `${(ms / 1000).toFixed(1)} s ${JSON.stringify(facts)}`;
          },
          chromiumErrors,
        ),
    });
    await report.test('the readers saw the host do nothing wrong', async () => {
      const violations = desk.violations();
      if (violations.length > 0) throw new Error(violations.join('; '));
    });
    const bundlePath = argValue('--probe-signed-bundle');
    if (bundlePath) {
      const bytes = new Uint8Array(readFileSync(bundlePath));
      const webBundleId = String(readIntegrityBlock(bytes).attributes['webBundleId']);
      const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
      for (const outcome of await probeSignedBundle(chromium.context, { bundlePath: resolve(bundlePath), webBundleId, version })) {
        report.data('PROBE', { ...outcome, ms: Math.round(outcome.ms) });
      }
    }
  } finally {
    await desk.clear().catch(() => undefined);
    await chromium.close();
    await Promise.all([page.close(), iwa.close(), control.close(), server.close()]);
  }
}

main().then(
  () => {
    report.finish();
    process.exit(process.exitCode ?? 0);
  },
  async (error: unknown) => {
    await report.test('the suite runs to its end', () => Promise.reject(error));
    report.finish();
    process.exit(1);
  },
);

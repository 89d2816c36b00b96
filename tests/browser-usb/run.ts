/**
 * `npm run test:browser-usb` (bundled to dist-node/browser-usb.mjs; the QEMU guest runs the same
 * file from the read-only repo). Serves the built app on 127.0.0.1 (dist/ as a page on a fixed
 * port, dist-iwa/app as the dev-mode proxy of the IWA and of its control without
 * usb-unrestricted), starts Chromium, runs tests/browser-usb/suite.ts and prints one line per
 * scenario, then "browser-usb: N passed, M failed, K skipped".
 *
 *   --devices URL          the device control API of the readers (device-side.ts); without it the
 *                          scenarios that need a reader are skipped
 *   --page-port N          port of the plain page (default 4476; the WebUSB policy names its origin)
 *   --page-dir DIR         default <repo>/dist          --iwa-dir DIR   default <repo>/dist-iwa/app
 *   --user-data-dir DIR    default a fresh temporary one
 *   --write-policy         (root) write the suite's WebUsbAllowDevicesForUrls before Chromium starts,
 *                          remove it at the end (where the guest did not write it at boot)
 *   --policy-experiment    (root) check that a policy written while Chromium runs applies on reload
 *   --screenshots DIR      a PNG of each screen the scenarios look at
 *   --only TEXT            only the scenarios whose name contains TEXT
 *   --probe-signed-bundle FILE   also try to install this .swbn by every route and print the answers
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveApp } from '../../scripts/serve-app.mjs';
import { readIntegrityBlock } from '../iwa/integrity-block';
import { probeSignedBundle } from './bundle-probe';
import { launchChromium } from './chromium';
import { listReaders, type ReaderInfo } from './device-side';
import { removeManagedPolicy, writeManagedPolicy } from './policy';
import { runSuite, suitePolicy } from './suite';

/** The repository: the directory above this file (or its bundle) holding the project's package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== 'ecard-pin') {
    const up = dirname(dir);
    if (up === dir) throw new Error('browser-usb: cannot find the ecard-pin repository above this file');
    dir = up;
  }
  return dir;
}

function option(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main(args: readonly string[]): Promise<number> {
  const root = repoRoot();
  const log = (line: string) => console.log(`browser-usb: ${line}`);
  const pageDir = resolve(option(args, '--page-dir') ?? join(root, 'dist'));
  const iwaDir = resolve(option(args, '--iwa-dir') ?? join(root, 'dist-iwa', 'app'));
  for (const [what, dir, command] of [
    ['page', pageDir, 'npm run build'],
    ['IWA', iwaDir, 'npm run build:iwa'],
  ] as const) {
    if (!existsSync(join(dir, 'index.html'))) {
      console.log(`browser-usb: 0 passed, 1 failed — the ${what} build is missing (${dir}; run ${command})`);
      return 1;
    }
  }
  const devicesUrl = option(args, '--devices') ?? null;
  const readers: ReaderInfo[] = devicesUrl ? await listReaders(devicesUrl) : [];
  const page = await serveApp({ root: pageDir, port: Number(option(args, '--page-port') ?? 4476) });
  const iwa = await serveApp({ root: iwaDir, iwa: true });
  const control = await serveApp({ root: iwaDir, iwa: true, usbUnrestricted: false });
  const policyPath = args.includes('--write-policy') && readers.length > 0 ? writeManagedPolicy(suitePolicy(readers, page.url)) : null;
  const userDataDir = option(args, '--user-data-dir') ?? mkdtempSync(join(tmpdir(), 'ecard-browser-usb-'));
  log(`page ${page.url}, IWA proxy ${iwa.url}, control ${control.url}, readers: ${readers.map((r) => r.name).join(', ') || 'none'}`);
  const chromium = await launchChromium({ userDataDir, isolatedWebApps: true });
  log(`Chromium started in ${Math.round(chromium.startMs)} ms (${await chromium.context.browser()?.version() ?? 'version unknown'})`);
  try {
    const results = await runSuite({
      chromium,
      pageUrl: page.url,
      iwaProxyUrl: iwa.url,
      controlIwaProxyUrl: control.url,
      devicesUrl,
      readers,
      policyExperiment: args.includes('--policy-experiment'),
      screenshotsDir: option(args, '--screenshots') ?? null,
      only: option(args, '--only') ?? null,
      log,
    });
    const bundlePath = option(args, '--probe-signed-bundle');
    if (bundlePath) {
      const bytes = new Uint8Array(readFileSync(bundlePath));
      const webBundleId = String(readIntegrityBlock(bytes).attributes['webBundleId']);
      const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
      for (const outcome of await probeSignedBundle(chromium.context, { bundlePath: resolve(bundlePath), webBundleId, version })) {
        log(`probe ${outcome.route}: ${outcome.installed ? 'INSTALLED' : 'not installed'} (${(outcome.ms / 1000).toFixed(1)} s) — ${outcome.answer}`);
      }
    }
    const count = (status: string) => results.filter((r) => r.status === status).length;
    const skipped = results.filter((r) => r.status === 'skipped');
    const why = [...new Set(skipped.map((r) => r.reason))].join('; ');
    log(`${count('passed')} passed, ${count('failed')} failed, ${skipped.length} skipped${skipped.length ? ` — ${why}` : ''}`);
    return count('failed') > 0 ? 1 : 0;
  } finally {
    await chromium.close();
    if (policyPath) removeManagedPolicy(policyPath);
    await Promise.all([page.close(), iwa.close(), control.close()]);
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    console.log(`browser-usb: 0 passed, 1 failed — ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);

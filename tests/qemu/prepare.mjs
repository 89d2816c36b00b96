// What every real-stack suite does before it boots the guest: install QEMU and debootstrap when
// missing (root only), build or reuse the cached guest (tests/qemu/build-guest.sh), bundle the
// guest-side scripts (vite.node.config.ts → dist-node/). Where that cannot happen, the suite prints
// "<name>: skipped — why" and exits 0 under --optional when not root; otherwise it fails.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_DIR, buildGuest } from './run.mjs';

const TOOLS = { 'qemu-system-x86_64': 'qemu-system-x86', debootstrap: 'debootstrap', 'mkfs.ext4': 'e2fsprogs' };
const PATH_WITH_SBIN = `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;

/** @param {number} ms */
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * @param {{ name: string, optional: boolean }} suite
 * @returns {Promise<{ guestDir: string, guestInfo: string, buildMs: number, cachedBuildMs: number, bundleMs: number }>}
 */
export async function prepareGuest({ name, optional }) {
  const isRoot = process.getuid?.() === 0;
  /** @param {string} message @returns {never} */
  const cannotRun = (message) => {
    if (optional && !isRoot) {
      console.log(`${name}: skipped — ${message}`);
      process.exit(0);
    }
    console.error(`${name}: 0 passed, 1 failed — ${message}`);
    process.exit(1);
  };
  const missing = Object.entries(TOOLS).filter(([tool]) => !installed(tool)).map(([, pkg]) => pkg);
  if (missing.length > 0) {
    if (!isRoot) cannotRun(`QEMU cannot run here: missing ${missing.join(', ')} (as root: apt-get install ${missing.join(' ')})`);
    console.log(`installing ${missing.join(' ')} …`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', PATH: PATH_WITH_SBIN };
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  }
  process.env.PATH = PATH_WITH_SBIN; // build-guest.sh runs debootstrap, mkfs.ext4, chroot
  if (!existsSync(join(REPO_DIR, 'node_modules', 'usb'))) cannotRun('node_modules/usb is missing: run npm install');

  let started = Date.now();
  let guestDir = '';
  try {
    guestDir = await buildGuest({ verbose: true });
  } catch (error) {
    cannotRun(`the guest could not be built: ${error instanceof Error ? error.message : String(error)}`);
  }
  const buildMs = Date.now() - started;
  started = Date.now();
  await buildGuest();
  const cachedBuildMs = Date.now() - started;

  started = Date.now();
  try {
    const { build } = await import('vite');
    await build({ configFile: join(REPO_DIR, 'vite.node.config.ts'), logLevel: 'warn' });
  } catch (error) {
    console.error(`${name}: 0 passed, 1 failed — bundling vite.node.config.ts failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const { readFileSync } = await import('node:fs');
  const guestInfo = readFileSync(join(guestDir, 'ready'), 'utf8').trim(); // "kernel …, node …, chromium …, built in N s"
  return { guestDir, guestInfo, buildMs, cachedBuildMs, bundleMs: Date.now() - started };
}

/** @param {string} tool */
function installed(tool) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore', env: { ...process.env, PATH: PATH_WITH_SBIN } });
    return true;
  } catch {
    return false;
  }
}

/** The QEMU version line, for the suites' reports. */
export function qemuVersion() {
  return execFileSync('qemu-system-x86_64', ['--version']).toString().split('\n')[0] ?? '';
}

/**
 * The end of every guest suite's report: counts `<PREFIX>-TEST ok|FAIL` lines (a guest that never
 * printed `<PREFIX>-SUITE` counts as one more failure, with the end of its console), prints QEMU's
 * version, the times (`extraTimes`: the suite's own, e.g. its app builds) and
 * "<name>: N passed, M failed", and exits 1 when M > 0.
 * @param {{ name: string, prefix: string, lines: string[], prepared: { guestInfo: string, buildMs: number, cachedBuildMs: number, bundleMs: number },
 *   result: { accel: string, bootMs: number, timedOut: boolean, console: string }, startedAt: number, extraTimes?: string }} suite
 * @returns {never}
 */
export function endGuestSuite({ name, prefix, lines, prepared, result, startedAt, extraTimes = '' }) {
  const passed = lines.filter((l) => l.startsWith(`${prefix}-TEST ok `)).length;
  const finished = lines.some((l) => l.startsWith(`${prefix}-SUITE `));
  const failed = lines.filter((l) => l.startsWith(`${prefix}-TEST FAIL `)).length + (finished ? 0 : 1);
  if (!finished) console.error(`the guest suite did not finish${result.timedOut ? ' (timed out)' : ''}; console:\n${result.console.slice(-6000)}`);
  console.log(`\nQEMU ${qemuVersion()}; guest ${prepared.guestInfo}`);
  console.log(
    `guest build: ${seconds(prepared.buildMs)} this call (cached: ${seconds(prepared.cachedBuildMs)}); bundle ${seconds(prepared.bundleMs)}; ` +
      `${extraTimes}boot-and-test (${result.accel}) ${seconds(result.bootMs)}; whole run ${seconds(Date.now() - startedAt)}`,
  );
  console.log(`${name}: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

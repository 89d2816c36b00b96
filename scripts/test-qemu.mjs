// npm run test:qemu — the real-USB harness end to end: installs QEMU/debootstrap when missing (root
// only), builds or reuses the cached Debian guest, boots it with QEMU's usb-ccid reader and runs
// tests/qemu/guest-smoke.mjs in it against the VSCard peer's smoke card. Prints timings.
// Flags: --optional (no root and tools missing → skip with exit 0), --verbose (guest console).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_DIR, buildGuest, runGuest } from '../tests/qemu/run.mjs';
import { createSmokeCard } from '../tests/qemu/smoke-card.mjs';
import { hex } from '../tests/qemu/vscard-peer.mjs';
import { bulkTransfersPerCommand } from '../tests/qemu/usbmon-pcap.mjs';

const optional = process.argv.includes('--optional');
const verbose = process.argv.includes('--verbose');
const TOOLS = { 'qemu-system-x86_64': 'qemu-system-x86', debootstrap: 'debootstrap', 'mkfs.ext4': 'e2fsprogs' };
const PATH_WITH_SBIN = `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;

/** @param {string} message */
function skipOrFail(message) {
  if (optional) {
    console.log(`test:qemu SKIPPED — ${message}`);
    process.exit(0);
  }
  console.error(`test:qemu FAILED — ${message}`);
  process.exit(1);
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

const seconds = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(1)} s`;

const missing = Object.entries(TOOLS).filter(([tool]) => !installed(tool)).map(([, pkg]) => pkg);
if (missing.length > 0) {
  if (process.getuid?.() !== 0) skipOrFail(`missing ${missing.join(', ')}; install them as root (apt-get install ${missing.join(' ')})`);
  console.log(`installing ${missing.join(' ')} …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', PATH: PATH_WITH_SBIN };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}
process.env.PATH = PATH_WITH_SBIN; // build-guest.sh runs debootstrap, mkfs.ext4, chroot
if (!existsSync(join(REPO_DIR, 'node_modules', 'usb'))) skipOrFail('node_modules/usb is missing: run npm install');

let started = Date.now();
let guestDir = '';
try {
  guestDir = await buildGuest({ verbose: true });
} catch (error) {
  skipOrFail(error instanceof Error ? error.message : String(error));
}
const firstBuildMs = Date.now() - started;
started = Date.now();
await buildGuest();
const cachedBuildMs = Date.now() - started;

const card = createSmokeCard();
const result = await runGuest({ guestDir, script: 'tests/qemu/guest-smoke.mjs', card, verbose });
process.stdout.write(result.output);

const smoke = new Map(
  result.output.split('\n').filter((line) => line.startsWith('SMOKE ')).map((line) => {
    const [, key = '', ...value] = line.split(' ');
    return [key, value.join(' ')];
  }),
);
const perCommand = result.usb ? bulkTransfersPerCommand(result.usb) : [];
const xfrBlocks = perCommand.filter((group) => group.messageType === 0x6f);
const checks = [
  ['guest exit code 0', result.exitCode === 0],
  ['VSCard stream clean', result.peerErrors.length === 0],
  ['ATR from the peer', smoke.get('atr') === hex(card.atr).replaceAll(' ', '')],
  ['2 APDUs reached the peer', result.apduLog.length === 2],
  ['PC_to_RDR_Secure refused (SlotStatus, command failed)', smoke.get('secure')?.startsWith('type 0x81 bStatus 0x40') === true],
  ['slot change on card removal', smoke.get('notify-removed') === '5002'],
  ['slot change and ATR again on reinsertion', smoke.get('notify-inserted') === '5003' && smoke.get('atr-after-insert') === smoke.get('atr')],
  ['usb-ccid pcap: 2 bulk transfers per XfrBlock', xfrBlocks.length === 2 && xfrBlocks.every((group) => group.transfers === 2)],
];
const guestInfo = readFileSync(join(guestDir, 'ready'), 'utf8').trim(); // "kernel …, node …, built in N s"
console.log(`\nQEMU ${execFileSync('qemu-system-x86_64', ['--version']).toString().split('\n')[0]}; guest ${guestInfo}`);
console.log(`guest build (first call): ${seconds(firstBuildMs)}; cached: ${seconds(cachedBuildMs)}; boot-and-test (${result.accel}): ${seconds(result.bootMs)}`);
console.log(`bulk transfers per CCID command: ${perCommand.map((g) => `0x${g.messageType.toString(16)}:${g.transfers}`).join(' ')}`);
for (const [name, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
for (const error of result.peerErrors) console.error(`VSCard: ${error}`);
if (result.exitCode === null) console.error(`guest did not finish${result.timedOut ? ' (timed out)' : ''}; console:\n${result.console}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);

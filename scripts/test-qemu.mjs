// npm run test:qemu — the project's CCID driver on a real USB stack: installs QEMU/debootstrap when
// missing (root only), bundles the guest suite and the CLI (vite.node.config.ts → dist-node/),
// builds or reuses the cached Debian guest, boots it with QEMU's usb-ccid whose card is served by
// the VSCard peer from tests/qemu/t0-test-card.ts, runs dist-node/guest-suite.mjs in it (which also
// runs `ecard-pin probe`), then checks on the host what reached the card and the USB capture.
// Last line: "qemu: N passed, M failed" (exit 1 when M > 0) or "qemu: skipped — reason" (exit 0).
// Flags: --optional (not root and QEMU missing / guest not buildable → skip), --verbose (guest console).
import { join } from 'node:path';
import { REPO_DIR, runGuest } from '../tests/qemu/run.mjs';
import { prepareGuest, qemuVersion, seconds } from '../tests/qemu/prepare.mjs';
import { startVscardPeer } from '../tests/qemu/vscard-peer.mjs';
import { XFER, bulkTransfersPerCommand } from '../tests/qemu/usbmon-pcap.mjs';

const optional = process.argv.includes('--optional');
const verbose = process.argv.includes('--verbose');
const XFR_BLOCK = 0x6f;
/** Commands whose exchange is printed from the capture: where QEMU and the CCID spec may differ. */
const SHOWN_ON_WIRE = { GetParameters: 0x6c, Secure: 0x69 };

/** @param {Uint8Array} bytes */
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');

const { guestDir, guestInfo, buildMs: firstBuildMs, cachedBuildMs, bundleMs } = await prepareGuest({ name: 'qemu', optional });
/** @type {typeof import('../tests/qemu/host')} */
const host = await import(join(REPO_DIR, 'dist-node', 'qemu-host.mjs'));

const t0Card = host.createT0TestCard();
const ecard = host.createEcardAtrCard(host.ECARD_ATR);
const peer = await startVscardPeer({ card: t0Card });
const result = await runGuest({
  guestDir,
  script: 'dist-node/guest-suite.mjs',
  peer,
  hostCommands: {
    [host.HOST_COMMAND.insertT0Card]: (p) => p.insertCard(t0Card),
    [host.HOST_COMMAND.insertEcard]: (p) => p.insertCard(ecard),
  },
  verbose,
});
await peer.close();
process.stdout.write(result.output);

/* ---- the host's checks ---------------------------------------------------------------------- */

const lines = result.output.split('\n');
const guestPassed = lines.filter((line) => line.startsWith('QEMU-TEST ok ')).length;
const guestFailed = lines.filter((line) => line.startsWith('QEMU-TEST FAIL ')).length;
const summary = lines.find((line) => line.startsWith('QEMU-SUITE '));

const plan = host.plannedApduSequence();
const plannedTpdus = plan.flatMap((apdu) => apdu.tpdus);
const seenTpdus = result.apduLog.map((e) => host.describeExchange(e));
const expectedTpdus = plannedTpdus.map((e) => host.describeExchange(e));
const firstDifference = expectedTpdus.findIndex((tpdu, i) => seenTpdus[i] !== tpdu);

const perCommand = result.usb ? bulkTransfersPerCommand(result.usb) : [];
const xfrBlocks = perCommand.filter((group) => group.messageType === XFR_BLOCK);
/** Transfers of each planned APDU that reached the card: its `tpdus.length` XfrBlocks of the capture, in order. */
let next = 0;
const perApdu = plan.flatMap((apdu) => {
  const groups = xfrBlocks.slice(next, next + apdu.tpdus.length);
  next += apdu.tpdus.length;
  if (groups.length < apdu.tpdus.length) return []; // never sent: the TPDU check says which
  return [{ name: apdu.name, tpdus: apdu.tpdus.length, transfers: groups.reduce((sum, g) => sum + g.transfers, 0) }];
});
const single = perApdu.filter((a) => a.tpdus === 1);
const double = perApdu.filter((a) => a.tpdus === 2);

/** @type {[string, boolean, string?][]} */
const hostChecks = [
  ['the guest suite ran to its end', summary !== undefined && result.exitCode === (guestFailed === 0 ? 0 : 1),
    `exit code ${result.exitCode}${result.timedOut ? ' (timed out)' : ''}`],
  ['VSCard stream clean (no protocol error, every QEMU acknowledgement 0)', result.peerErrors.length === 0, result.peerErrors.join('; ')],
  [`the card received exactly the ${plannedTpdus.length} planned TPDUs (ISO/IEC 7816-3 §12.2 T=0 mapping)`,
    firstDifference === -1 && seenTpdus.length === expectedTpdus.length,
    firstDifference === -1 ? `${seenTpdus.length} received` : `#${firstDifference + 1}: expected ${expectedTpdus[firstDifference]}, got ${seenTpdus[firstDifference] ?? 'nothing'}`],
  ['usb-ccid capture: every XfrBlock = 2 bulk transfers (OUT + IN)',
    xfrBlocks.length > 0 && xfrBlocks.every((g) => g.transfers === 2),
    `${xfrBlocks.length} XfrBlocks: ${xfrBlocks.map((g) => g.transfers).join(' ')}`],
  ['usb-ccid capture: 2 transfers per short APDU, 4 when 61xx/6Cxx needs a second TPDU',
    single.length > 0 && single.every((a) => a.transfers === 2) && double.every((a) => a.transfers === 4),
    `${perApdu.map((a) => a.transfers).join(' ')} for the ${perApdu.length} APDUs that reached the card`],
];

console.log(`\nQEMU ${qemuVersion()}; guest ${guestInfo}`);
console.log(`bundle (vite build, dist-node/): ${seconds(bundleMs)}; guest build: this call ${seconds(firstBuildMs)}, cached call ${seconds(cachedBuildMs)} (cold build: "${guestInfo.replace(/.*built in /, '')}" when it was made)`);
console.log(`boot-and-test (${result.accel}): ${seconds(result.bootMs)}`);
console.log(`APDUs exchanged: ${perApdu.length} of the ${plan.length} planned reached the card as ${result.apduLog.length} TPDUs (${summary ?? 'guest summary missing'})`);
console.log(`USB transfers per APDU (capture): ${single.length} one-TPDU APDUs × ${unique(single.map((a) => a.transfers))}, ${double.length} two-TPDU APDUs × ${unique(double.map((a) => a.transfers))}; all bulk commands: ${perCommand.map((g) => `0x${g.messageType.toString(16)}:${g.transfers}`).join(' ')}`);
for (const [name, type] of Object.entries(SHOWN_ON_WIRE)) {
  const onWire = firstExchange(result.usb ?? [], type);
  if (onWire) console.log(`PC_to_RDR_${name} on the wire: OUT ${onWire.out}  IN ${onWire.in}`);
}
for (const [name, ok, detail] of hostChecks) console.log(`QEMU-TEST ${ok ? 'ok' : 'FAIL'} host: ${name}${detail ? ` — ${detail}` : ''}`);
if (result.exitCode === null) console.error(`guest did not finish${result.timedOut ? ' (timed out)' : ''}; console:\n${result.console}`);

const passed = guestPassed + hostChecks.filter(([, ok]) => ok).length;
const failed = guestFailed + hostChecks.filter(([, ok]) => !ok).length;
console.log(`qemu: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

/** @param {number[]} values */
function unique(values) {
  return [...new Set(values)].join('/') || '-';
}

/**
 * The first command of this bMessageType in the capture and the bulk-IN answer that completed after it, as hex.
 * @param {import('../tests/qemu/usbmon-pcap.mjs').UsbmonRecord[]} records @param {number} type
 */
function firstExchange(records, type) {
  const at = records.findIndex((r) => r.event === 'S' && r.xferType === XFER.bulk && !(r.endpoint & 0x80) && r.data[0] === type);
  if (at < 0) return null;
  const answer = records.slice(at).find((r) => r.event === 'C' && r.xferType === XFER.bulk && (r.endpoint & 0x80) && r.data.length >= 10);
  return { out: hex(records[at]?.data ?? new Uint8Array(0)), in: answer ? hex(answer.data) : '(none)' };
}

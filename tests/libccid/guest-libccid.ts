/**
 * The libccid suite, run INSIDE the QEMU guest (node dist-node/guest-libccid.mjs [--peer-only]):
 * corpus readers exported over USB/IP by our server (on the guest's own 127.0.0.1), attached through
 * vhci-hcd, and judged by the reference driver — pcscd + libccid, reached through pyscard — while
 * the same readers also run under our own driver (node-usb), so the PC_to_RDR_Secure both send for
 * the eCard's PIN commands, and their USB traffic per APDU, can be compared.
 *
 * Prints LIBCCID-TEST ok|FAIL lines, LIBCCID-<KIND> <json> data lines for the host's tables
 * (READER, SECURE, PEER, FAULT), and LIBCCID-SUITE at the end.
 */
import { readFileSync } from 'node:fs';
import { CcidReader, pinpadQuirk, toHex, type CcidSlot } from '../../src/ccid';
import { vidPid } from '../../src/ccid/usb-ids';
import { ecardAtr, selectEcardApdu, triesLeftApdu } from '../../src/card';
import { createVirtualEcard } from '../../src/sim';
import { readerVectors } from '../support/corpus';
import { check, createGuestReport, describeError } from '../support/guest-report';
import { startUsbipServer, type ExportedReader, type UsbipServer } from '../usbip/server';
import { detachPlugged, plugCorpusReader, replugPlugged, type PluggedReader } from '../usbip/guest-readers';
import { startUsbmon } from '../usbip/guest-usbmon';
import { bulkTraffic } from '../qemu/usbmon-pcap.mjs';
import { startPyscardBridge } from '../pcsc-bridge/pyscard-backend';
import { DISPOSITION, STATE } from '../support/web-smart-card/pcsc-codes';
import { keepNfcDriverAway, startPcscd, startUdevd } from '../pcsc-bridge/guest-pcscd';
import { openPcscClient, scardName, type Connection, type PcscClient } from '../pcsc-bridge/pcsc';
import { parseLibccidInfoPlist } from './info-plist';
import { NOTICE_READERS, planReaders, type ReaderCase } from './plan';
import { differingFields, pcscStructureFor, secureFields } from './secure-fields';
import { FAULTS, LIBCCID_T1_TIMEOUT_MS, armFault, lateAnswerMs, outcomeOf, type FaultKind, type FaultOutcome } from './faults';
import {
  CHOSEN_PIN,
  HOLDER_PIN,
  NEW_PIN,
  RESET_PIN,
  apdusReceived,
  ScreenWouldAsk,
  insertEcard,
  longApdu,
  openWithOurDriver,
  ourPinpadCommand,
  plainPinScript,
  recordingT1Card,
  secureMessages,
  sw,
  type PinOperation,
} from './scenario';

const report = createGuestReport('LIBCCID');
const peerOnly = process.argv.includes('--peer-only');
/** --only a.txt,b.txt: judge just these corpus files (to look into one reader). */
const only = argValue('--only')?.split(',') ?? null;
/** --libccid-log 0x0007: libccid's ifdLogLevel (4 = every USB frame) for the daemon log printed on failure. */
const libccidLogLevel = Number(argValue('--libccid-log') ?? 0x0003);

function argValue(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1] : undefined;
}
/** PC/SC part 10 §2.3 feature tags. */
const FEATURE = { verifyPinDirect: 0x06, modifyPinDirect: 0x07 } as const;
/** The peer table's readers: a short-APDU PIN pad reader and a TPDU T=1 one. */
const PEER_READERS = ['CardMan3821.txt', 'GemPCPinpad.txt'] as const;
const PEER_ROUNDS = 25;

type Plugged = PluggedReader;

/** A plan's reader with an active eCard already in it, exported and attached. */
function plug(server: UsbipServer, c: ReaderCase): Promise<Plugged> {
  return plugCorpusReader(server, c.vector, { card: createVirtualEcard({ state: 'active', pin: HOLDER_PIN }), reader: { pinpad: c.pinpad } });
}

function label(c: ReaderCase): string {
  return `${c.vector.file.replace(/\.txt$/, '')} ${vidPid(c.vector.idVendor, c.vector.idProduct)} (${c.descriptor.exchangeLevel}, class 0x${c.vector.interface.bInterfaceClass.toString(16).padStart(2, '0')})`;
}

/* ---- our driver --------------------------------------------------------------------------------- */

/** What our driver sent for each PIN command, per reader file: the whole Secure message. */
type OurSecure = Partial<Record<PinOperation, Uint8Array>>;

/** The notice's PIN commands with our driver on the reader's PIN pad: verify, change; then reset on a blocked card. */
async function ourPinCommands(server: UsbipServer, c: ReaderCase): Promise<OurSecure> {
  const p = await plug(server, c);
  const ours: OurSecure = {};
  let driver: CcidReader | null = null;
  try {
    driver = await openWithOurDriver(c.vector.idVendor, c.vector.idProduct);
    const slot = await poweredSlot(driver);
    const run = async (operation: PinOperation, digits: string[]) => {
      const before = secureMessages(p.exported).length;
      const answer = await ourPinpadCommand(slot, p.reader, operation, digits);
      check(sw(answer) === '9000', `${operation}: card answered ${sw(answer)}`);
      const sent = secureMessages(p.exported)[before];
      if (sent) ours[operation] = sent;
    };
    await run('verify', [HOLDER_PIN]);
    await run('change', [HOLDER_PIN, NEW_PIN, NEW_PIN]);
    const blocked = insertEcard(p.reader, 'blocked');
    await waitForCard(driver);
    const slotAgain = await poweredSlot(driver);
    blocked.unblock();
    const before = secureMessages(p.exported).length;
    check(sw(await ourPinpadCommand(slotAgain, p.reader, 'reset', [RESET_PIN])) === '9000', 'reset: 9000');
    const reset = secureMessages(p.exported)[before];
    if (reset) ours.reset = reset;
    check(blocked.card.hasPin(RESET_PIN), 'after the reset the card PIN is 0000');
    check(p.exported.violations().length === 0, `firmware violations: ${p.exported.violations().join('; ')}`);
  } finally {
    await driver?.close().catch(() => undefined);
    await detachPlugged(p);
  }
  return ours;
}

/** A notice reader without a PIN pad: our flows fall back to the screen keypad without a PC_to_RDR_Secure. */
async function ourNoPinpad(server: UsbipServer, c: ReaderCase): Promise<string> {
  const p = await plug(server, c);
  const driver = await openWithOurDriver(c.vector.idVendor, c.vector.idProduct);
  try {
    const slot = await poweredSlot(driver);
    const refusal = await ourPinpadCommand(slot, p.reader, 'verify', []).then(() => null, (error: unknown) => error);
    check(refusal instanceof ScreenWouldAsk, `the pad source hands the entry to the screen (got ${describeError(refusal)})`);
    check(secureMessages(p.exported).length === 0, 'no PC_to_RDR_Secure sent');
    return 'no PC_to_RDR_Secure; the screen keypad asks';
  } finally {
    await driver.close().catch(() => undefined);
    await detachPlugged(p);
  }
}

async function poweredSlot(driver: CcidReader): Promise<CcidSlot> {
  const slot = driver.slots[0];
  check(slot !== undefined, 'slot 0');
  await slot.powerOn();
  check(sw(await slot.transmit(selectEcardApdu())) === '9000', 'SELECT 9000');
  return slot;
}

function waitForCard(driver: CcidReader): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no card-inserted event within 20 s')), 20_000);
    const off = driver.on('slotchange', (change) => {
      if (change.slot !== 0 || !change.present) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/* ---- USB faults --------------------------------------------------------------------------------- */

const faultOutcomes: FaultOutcome[] = [];
/** No fault may leave the driver hanging: the APDU under it ends within this (a late answer + the driver's recovery). */
const FAULT_BOUND_MS = 45_000;

async function ourFault(server: UsbipServer, c: ReaderCase, fault: FaultKind): Promise<string> {
  let p = await plug(server, c);
  let driver = await openWithOurDriver(c.vector.idVendor, c.vector.idProduct);
  try {
    let slot = await poweredSlot(driver);
    armFault(p.exported, fault, driver.transport.commandTimeoutMs);
    const during = await outcomeOf((apdu) => slot.transmit(apdu));
    if (fault === 'vanish') {
      await driver.close().catch(() => undefined);
      p = await replugPlugged(p);
      driver = await openWithOurDriver(c.vector.idVendor, c.vector.idProduct);
      slot = await poweredSlot(driver);
    }
    const after = await outcomeOf((apdu) => slot.transmit(apdu));
    return recordFault({ driver: 'ours', fault, during: during.text, ms: during.ms, after: after.text, unlinked: p.exported.unlinks.pending });
  } finally {
    await driver.close().catch(() => undefined);
    await detachPlugged(p).catch(() => undefined);
  }
}

async function libccidFault(pcsc: PcscClient, server: UsbipServer, c: ReaderCase, fault: FaultKind): Promise<string> {
  let p = await plug(server, c);
  const send = (connection: Connection) => async (apdu: Uint8Array) => {
    const answer = await pcsc.transmitCode(connection, apdu);
    if (answer.code !== 0) throw new Error(scardName(answer.code));
    return answer.data;
  };
  /** Connects afresh and sends one APDU: what a user of pcscd gets now. */
  const tryAgain = async (plugged: Plugged) => {
    const name = await pcsc.waitForReader(slotZeroOf(plugged), 20_000);
    await pcsc.waitForState(name, STATE.present, 20_000);
    const conn = await pcsc.connect(name);
    const outcome = await outcomeOf(send(conn));
    await pcsc.disconnect(conn).catch(() => undefined);
    return outcome.text;
  };
  try {
    const name = await pcsc.waitForReader(slotZeroOf(p));
    await pcsc.waitForState(name, STATE.present);
    const conn = await pcsc.connect(name);
    check(sw((await pcsc.transmit(conn, selectEcardApdu())).data) === '9000', 'SELECT before the fault');
    armFault(p.exported, fault, LIBCCID_T1_TIMEOUT_MS);
    const during = await outcomeOf(send(conn));
    await pcsc.disconnect(conn, DISPOSITION.reset);
    let after: string;
    if (fault === 'vanish') {
      await pcsc.waitForNoReader((n) => n.includes(`(${p.serial})`));
      p = await replugPlugged(p);
      after = await tryAgain(p);
    } else {
      // A late answer keeps the slot busy until it comes: give it that time, then see whether the reader works.
      await new Promise((resolve) => setTimeout(resolve, fault === 'late-answer' ? lateAnswerMs(LIBCCID_T1_TIMEOUT_MS) : 0));
      after = await tryAgain(p).catch((error: unknown) => describeError(error));
      if (after !== 'ok 9000') {
        await detachPlugged(p);
        await pcsc.waitForNoReader((n) => n.includes(`(${p.serial})`));
        p = await replugPlugged(p);
        after = `${after}; after a re-plug: ${await tryAgain(p)}`;
      }
    }
    return recordFault({ driver: 'libccid', fault, during: during.text, ms: during.ms, after, unlinked: p.exported.unlinks.pending });
  } finally {
    await detachPlugged(p).catch(() => undefined);
    await pcsc.waitForNoReader((n) => n.includes(`(${p.serial})`)).catch(() => undefined);
  }
}

/**
 * Every fault must end the APDU under it within a bound (no hang), and the reader must work again:
 * at once with our driver (a vanished reader: once re-plugged); with libccid, re-plugging is allowed
 * where libccid leaves the reader unusable — that is the finding the table reports.
 */
function recordFault(outcome: FaultOutcome): string {
  faultOutcomes.push(outcome);
  check(outcome.ms < FAULT_BOUND_MS, `the APDU under the fault took ${Math.round(outcome.ms)} ms`);
  check(outcome.after.endsWith('ok 9000'), `the next APDU after the fault: ${outcome.after}`);
  return `during: ${outcome.during} (${Math.round(outcome.ms)} ms); after: ${outcome.after}; ${outcome.unlinked} URBs unlinked`;
}

/* ---- the peer table: the same APDU script, our driver vs libccid ------------------------------- */

const PEER_SCRIPT = (): Uint8Array[] => [selectEcardApdu(), triesLeftApdu(), longApdu(255, false), triesLeftApdu()];

interface PeerRun {
  readonly driver: 'ours' | 'libccid';
  readonly file: string;
  readonly reader: string;
  readonly apdus: number;
  readonly transfers: number;
  readonly bytes: number;
  /** Median time of one APDU through the driver's API (each APDU of the script × rounds). */
  readonly msPerApdu: number;
}

async function peerRun(p: Plugged, file: string, driverName: PeerRun['driver'], transmit: (apdu: Uint8Array) => Promise<number>): Promise<PeerRun> {
  const capture = await startUsbmon(p.attachment.busNumber, p.attachment.deviceNumber, `/tmp/peer-${driverName}-${p.serial}.pcap`);
  const times: number[] = [];
  for (let round = 0; round < PEER_ROUNDS; round++) {
    for (const apdu of PEER_SCRIPT()) times.push(await transmit(apdu));
  }
  const apdus = times.length;
  await new Promise((resolve) => setTimeout(resolve, 500)); // let tcpdump write the last records
  const traffic = bulkTraffic(await capture.stop());
  return { driver: driverName, file, reader: p.serial, apdus, transfers: traffic.transfers / apdus, bytes: traffic.bytes / apdus, msPerApdu: median(times) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function ourPeerRun(server: UsbipServer, c: ReaderCase): Promise<PeerRun> {
  const p = await plug(server, c);
  const driver = await openWithOurDriver(c.vector.idVendor, c.vector.idProduct);
  try {
    const slot = driver.slots[0];
    check(slot !== undefined, 'slot 0');
    await slot.powerOn();
    return await peerRun(p, c.vector.file, 'ours', async (apdu) => {
      const started = performance.now();
      await slot.transmit(apdu);
      return performance.now() - started;
    });
  } finally {
    await driver.close().catch(() => undefined);
    await detachPlugged(p);
  }
}

/* ---- libccid ------------------------------------------------------------------------------------ */

/** The reader pcscd made of slot 0 of this plug-in ("<name> (<serial>) NN 00"). */
function slotZeroOf(p: Plugged): (name: string) => boolean {
  return (name) => name.includes(`(${p.serial})`) && / 00$/.test(name);
}

/** The daemon's recent log lines (pcscd and libccid), minus the clients' chatter, to explain a failure. */
let daemonLog: () => string[] = () => [];

async function judge(pcsc: PcscClient, server: UsbipServer, c: ReaderCase, ours: OurSecure | undefined): Promise<void> {
  const name = label(c);
  const results: boolean[] = [];
  let plugged: Plugged | null = null;
  let readerName = '';
  let connection: Connection | null = null;
  try {
    plugged = await plug(server, c);
    readerName = await pcsc.waitForReader(slotZeroOf(plugged));
    await pcsc.waitForState(readerName, STATE.present);
    connection = await pcsc.connect(readerName);
  } catch (error) {
    connection = null;
    const setupError = error;
    results.push(await report.test(`${name}: attached over USB/IP, pcscd lists it, libccid powers the eCard with T=1`, () => Promise.reject(setupError), () => violationLines(plugged)));
  }
  const p = plugged;
  const conn = connection;
  let setUp: string | null = null;
  if (p && conn) {
    const context = () => violationLines(p);
    results.push(await report.test(`${name}: attached over USB/IP, pcscd lists it, libccid powers the eCard with T=1`, async () => {
      const status = await pcsc.status(conn);
      check(conn.protocol === 2, `T=1 agreed (protocol ${conn.protocol})`);
      check(toHex(status.atr) === toHex(ecardAtr()), `eCard ATR, got ${toHex(status.atr)}`);
      setUp = negotiation(p.exported);
      return `"${readerName}"; ${setUp}`;
    }, context));
    results.push(await report.test(`${name}: SELECT, VERIFY without data, VERIFY, CHANGE REFERENCE DATA`, async () =>
      (await plainPinScript(pcsc, conn)).join(', '), context));
    if (c.pinpad) {
      results.push(await report.test(`${name}: PIN pad through SCardControl (FEATURE_VERIFY_PIN_DIRECT, FEATURE_MODIFY_PIN_DIRECT)`, () =>
        pinpadScript(pcsc, conn, p, c.vector.file, ours), context));
    } else if (c.categories.includes('ecard-notice')) {
      results.push(await report.test(`${name}: no PIN pad: libccid offers no FEATURE_VERIFY/MODIFY_PIN_DIRECT`, async () => {
        const features = await pcsc.features(conn);
        check(!features.has(FEATURE.verifyPinDirect) && !features.has(FEATURE.modifyPinDirect), `features ${[...features.keys()].join(', ')}`);
        report.data('SECURE', { reader: c.vector.file, operation: 'verify, reset, change', ours: 'none (screen keypad)', libccid: 'none (no PIN pad feature)', differences: [] });
        return `features ${[...features.keys()].map((t) => t.toString(16).padStart(2, '0')).join(' ') || 'none'}`;
      }, context));
    }
    await pcsc.disconnect(conn).catch(() => undefined);
    if (c.swapsUnseen) report.data('NOTE', { file: c.vector.file, note: `card-swap checks not run: ${c.swapsUnseen}` });
    else results.push(await report.test(`${name}: long APDUs (255 data bytes, 300 extended) reach the card whole where the reader takes them`, () =>
      chainingScript(pcsc, p, c, readerName), context));
    if (ours?.reset && ours.change && c.pinpad && !c.swapsUnseen) {
      const secure = { reset: ours.reset, change: ours.change };
      results.push(await report.test(`${name}: notice steps on the PIN pad — blocked card, CAS unblocks, Reset PIN 0000, Schimbă PIN 0000/new/new`, () =>
        resetScript(pcsc, p, c.vector.file, readerName, secure), context));
    }
    results.push(await report.test(`${name}: no firmware violation under libccid`, async () => {
      const violations = p.exported.violations();
      check(violations.length === 0, violations.join('; '));
      return `${p.exported.records().length} URBs, ${p.exported.unlinks.pending} unlinked while pending`;
    }, () => [...(p.exported.bus?.bulkOut.slice(0, 12).map((m) => `bulk OUT ${toHex(m.subarray(0, 24))}`) ?? []), ...daemonLog()]));
  }
  if (p) {
    await detachPlugged(p).catch((error) => console.log(`  unplug: ${describeError(error)}`));
    await pcsc.waitForNoReader((n) => n.includes(`(${p.serial})`)).catch(() => undefined);
  }
  report.data('READER', {
    file: c.vector.file,
    level: c.descriptor.exchangeLevel,
    interfaceClass: c.vector.interface.bInterfaceClass,
    slots: c.descriptor.slotCount,
    voltages: c.descriptor.voltages,
    pinpad: c.pinpad,
    categories: c.categories,
    ok: results.every(Boolean),
    negotiation: setUp,
  });
}

function violationLines(p: Plugged | null): string[] {
  return [...(p ? p.exported.violations().map((v) => `violation: ${v}`) : []), `device: ${p?.exported.bus?.describeIn() ?? 'detached'}`, ...daemonLog()];
}

/** What libccid sent to set the card up: PPS, SetParameters, the T=1 IFSD request (from the firmware's log). */
function negotiation(exported: ExportedReader): string {
  const commands = exported.bus?.firmware.commands ?? {};
  const xfr = exported.bus?.bulkOut.filter((m) => m[0] === 0x6f) ?? [];
  const pps = xfr.some((m) => m[10] === 0xff);
  const ifsd = xfr.some((m) => (m[11] ?? 0) === 0xc1);
  return `PPS ${pps ? 'sent' : 'none'}, SetParameters ×${commands.SetParameters ?? 0}, IFSD request ${ifsd ? 'sent' : 'none'}`;
}

function extendedAllowed(c: ReaderCase): boolean {
  return c.descriptor.exchangeLevel === 'tpdu' || c.descriptor.exchangeLevel === 'extendedApdu';
}

/** A short APDU of 260 bytes fits one XfrBlock of a short-APDU reader only within dwMaxCCIDMessageLength (CCID 1.1 §6.1.4). */
function longShortAllowed(c: ReaderCase): boolean {
  return c.descriptor.exchangeLevel !== 'shortApdu' || c.descriptor.dwMaxCCIDMessageLength >= 10 + 260;
}

/** Verify then change on the PIN pad, through the part 10 features, with the structures our driver sent. */
async function pinpadScript(pcsc: PcscClient, conn: Connection, p: Plugged, file: string, ours: OurSecure | undefined): Promise<string> {
  const features = await pcsc.features(conn);
  const verifyCode = features.get(FEATURE.verifyPinDirect);
  const modifyCode = features.get(FEATURE.modifyPinDirect);
  check(verifyCode !== undefined, `FEATURE_VERIFY_PIN_DIRECT in the TLV (got tags ${[...features.keys()].join(', ')})`);
  const tlv = [...features].map(([tag, code]) => `${tag.toString(16).padStart(2, '0')}→${code.toString(16)}`).join(' ');
  if (!ours?.verify) return `features ${tlv} (our driver's structure not recorded for this reader)`;
  const done: string[] = [`features ${tlv}`];
  p.reader.pinpad?.enter(NEW_PIN);
  const verified = await pcsc.control(conn, verifyCode, pcscStructureFor(ours.verify.subarray(10), 1));
  check(sw(verified) === '9000', `VERIFY_PIN_DIRECT: ${sw(verified)}`);
  done.push('verify 9000');
  compareSecure('verify', file, ours.verify, secureMessages(p.exported).at(-1));
  if (modifyCode !== undefined && ours.change) {
    for (const d of [NEW_PIN, HOLDER_PIN, HOLDER_PIN]) p.reader.pinpad?.enter(d);
    const indexes = modifyIndexCount(ours.change);
    const modified = await pcsc.control(conn, modifyCode, pcscStructureFor(ours.change.subarray(10), indexes));
    check(sw(modified) === '9000', `MODIFY_PIN_DIRECT: ${sw(modified)}`);
    done.push('change 9000');
    compareSecure('change', file, ours.change, secureMessages(p.exported).at(-1));
  }
  return done.join(', ');
}

/** bMsgIndex count of our modify message (secure-fields infers it from the template length). */
function modifyIndexCount(message: Uint8Array): number {
  return secureFields(message).filter((f) => f.name.startsWith('bMsgIndex')).length;
}

function compareSecure(operation: PinOperation, file: string, ours: Uint8Array, theirs: Uint8Array | undefined): void {
  check(theirs !== undefined, `libccid sent no PC_to_RDR_Secure for ${operation}`);
  const differences = differingFields(secureFields(ours), secureFields(theirs));
  report.data('SECURE', { reader: file, operation, ours: toHex(ours), libccid: toHex(theirs), differences });
  const unexplained = differences.filter((d) => d.explained === null);
  check(unexplained.length === 0, `${operation}: PC_to_RDR_Secure differs from libccid's in ${unexplained.map((d) => `${d.name} (ours ${d.ours}, libccid ${d.theirs})`).join(', ')}`);
}

/** Chained and long APDUs: the card (a recording T=1 card with the eCard ATR) must get them byte for byte. */
async function chainingScript(pcsc: PcscClient, p: Plugged, c: ReaderCase, readerName: string): Promise<string> {
  const card = recordingT1Card();
  await swapCard(pcsc, p, readerName, () => p.reader.insert(card));
  const conn = await pcsc.connect(readerName);
  const cases: [Uint8Array, boolean][] = [
    [longApdu(255, false), longShortAllowed(c)],
    [longApdu(300, true), extendedAllowed(c)],
  ];
  const outcomes: string[] = [];
  for (const [apdu, allowed] of cases) {
    const before = apdusReceived(card).length;
    const answer = await pcsc.transmitCode(conn, apdu);
    const received = apdusReceived(card).slice(before).map((a) => toHex(a, ''));
    if (allowed) {
      check(answer.code === 0, `${apdu.length} bytes: ${scardName(answer.code)}`);
      check(received.includes(toHex(apdu, '')), `the card did not receive the ${apdu.length}-byte APDU whole (got ${received.map((r) => r.length / 2).join(', ') || 'nothing'})`);
      outcomes.push(`${apdu.length} bytes → ${sw(answer.data)}`);
    } else {
      // Beyond what the reader takes: libccid must refuse it without sending a byte of it.
      check(answer.code !== 0 && received.length === 0, `${apdu.length} bytes on a reader that cannot take them: ${scardName(answer.code)}, card got ${received.length} APDUs`);
      outcomes.push(`${apdu.length} bytes refused by libccid (${scardName(answer.code)}), nothing sent`);
    }
  }
  await pcsc.disconnect(conn);
  const blocks = (p.exported.bus?.bulkOut ?? []).filter((m) => m[0] === 0x6f).length;
  return `${outcomes.join(', ')}; ${blocks} XfrBlocks so far`;
}

/**
 * Takes the card out, waits until pcscd sees the slot empty, puts `insert`'s card in, waits until
 * present — while a connection holds the card, as the app does when a provider pulls it. Seen under
 * libccid with multi-slot readers (SCM SDI011, GemCore SIM Pro): once the last handle is gone,
 * pcscd stops the driver's polling (IFDHStopPolling) and libccid no longer reads the interrupt
 * pipe, so a card put in soon after was not seen for 30 s.
 */
async function swapCard(pcsc: PcscClient, p: Plugged, readerName: string, insert: () => void): Promise<void> {
  const holding = await pcsc.connect(readerName);
  const gone = pcsc.waitForState(readerName, STATE.empty);
  p.reader.remove();
  await gone;
  const back = pcsc.waitForState(readerName, STATE.present);
  insert();
  await back;
  await pcsc.disconnect(holding);
}

/** Notice steps 1–8 on the PIN pad through libccid, with the reset structure our driver sent. */
async function resetScript(pcsc: PcscClient, p: Plugged, file: string, readerName: string, ours: Required<Pick<OurSecure, 'reset' | 'change'>>): Promise<string> {
  let blocked: ReturnType<typeof insertEcard> | null = null;
  await swapCard(pcsc, p, readerName, () => {
    blocked = insertEcard(p.reader, 'blocked');
  });
  if (!blocked) throw new Error('no blocked card inserted');
  const card: ReturnType<typeof insertEcard> = blocked;
  const conn = await pcsc.connect(readerName);
  check(sw((await pcsc.transmit(conn, selectEcardApdu())).data) === '9000', 'SELECT');
  check(sw((await pcsc.transmit(conn, triesLeftApdu())).data) === '6983', 'blocked: 6983');
  card.unblock();
  const features = await pcsc.features(conn);
  const verifyCode = features.get(FEATURE.verifyPinDirect);
  const modifyCode = features.get(FEATURE.modifyPinDirect);
  check(verifyCode !== undefined && modifyCode !== undefined, 'FEATURE_VERIFY_PIN_DIRECT and FEATURE_MODIFY_PIN_DIRECT');
  p.reader.pinpad?.enter(RESET_PIN);
  const reset = await pcsc.control(conn, verifyCode, pcscStructureFor(ours.reset.subarray(10), 1));
  check(sw(reset) === '9000', `reset: ${sw(reset)}`);
  compareSecure('reset', file, ours.reset, secureMessages(p.exported).at(-1));
  for (const d of [RESET_PIN, CHOSEN_PIN, CHOSEN_PIN]) p.reader.pinpad?.enter(d);
  const changed = await pcsc.control(conn, modifyCode, pcscStructureFor(ours.change.subarray(10), modifyIndexCount(ours.change)));
  check(sw(changed) === '9000', `change after reset: ${sw(changed)}`);
  check(card.card.hasPin(CHOSEN_PIN) && card.card.triesLeft() === 5, `ledger: PIN is the chosen one, 5 tries (got ${card.card.triesLeft()})`);
  await pcsc.disconnect(conn);
  return `ledger ${card.card.ledger.map((t) => `${t.ins.toString(16)}:${t.ok ? 'ok' : 'wrong'}:${t.triesLeftAfter}`).join(' ')}`;
}

/* ---- main --------------------------------------------------------------------------------------- */

async function main(): Promise<void> {
  const started = Date.now();
  // udevd first: libusb (our driver's node-usb) and pcscd both learn of attached readers from it.
  await keepNfcDriverAway();
  await startUdevd();
  const server = await startUsbipServer();
  const supported = parseLibccidInfoPlist(readFileSync('/etc/libccid_Info.plist', 'utf8'));
  const plan = planReaders(readerVectors(), supported, (v, p) => !pinpadQuirk(v, p).pinpad).filter((c) => !only || only.includes(c.vector.file));
  report.data('PLAN', plan.map((c) => ({ file: c.vector.file, level: c.descriptor.exchangeLevel, categories: c.categories })));
  const byFile = (file: string) => plan.find((c) => c.vector.file === file);

  // Our driver first, while no pcscd holds the readers.
  const ours = new Map<string, OurSecure>();
  const peer: PeerRun[] = [];
  if (!peerOnly) {
    for (const c of plan.filter((c) => !c.pinpad && c.categories.includes('ecard-notice'))) {
      await report.test(`${label(c)}: our driver, no PIN pad: the notice's PIN entry goes to the screen keypad`, () => ourNoPinpad(server, c));
    }
    for (const c of plan.filter((c) => c.pinpad)) {
      await report.test(`${label(c)}: our driver, the notice's PIN commands on the virtual PIN pad (verify, change, reset)`, async () => {
        const secure = await ourPinCommands(server, c);
        ours.set(c.vector.file, secure);
        return Object.entries(secure).map(([op, m]) => `${op} ${m ? `${m.length} bytes` : 'none'}`).join(', ');
      });
    }
  }
  const faultReader = byFile('GemPCPinpad.txt');
  if (faultReader && !peerOnly) {
    for (const fault of FAULTS) await report.test(`${label(faultReader)}: USB fault "${fault}", our driver`, () => ourFault(server, faultReader, fault));
  }
  for (const file of PEER_READERS) {
    const c = byFile(file);
    if (c) await report.test(`${label(c)}: peer table, our driver`, async () => {
      const run = await ourPeerRun(server, c);
      peer.push(run);
      return `${run.transfers} transfers, ${run.bytes} bytes, ${run.msPerApdu.toFixed(1)} ms per APDU`;
    });
  }

  const pcscd = await startPcscd(libccidLogLevel);
  daemonLog = () =>
    pcscd
      .log()
      .split('\n')
      .filter((line) => !/winscard_svc|winscard_msg|RFWaitForReaderInit|ContextThread|MSGFunctionDemarshall/.test(line))
      .slice(only ? -600 : -40)
      .map((line) => `pcscd| ${line}`);
  const bridge = startPyscardBridge();
  const pcsc = await openPcscClient(bridge.backend);
  try {
    for (const file of PEER_READERS) {
      const c = byFile(file);
      if (c) await report.test(`${label(c)}: peer table, libccid`, async () => {
        const p = await plug(server, c);
        try {
          const readerName = await pcsc.waitForReader(slotZeroOf(p));
          await pcsc.waitForState(readerName, STATE.present);
          const conn = await pcsc.connect(readerName);
          const run = await peerRun(p, c.vector.file, 'libccid', async (apdu) => (await pcsc.transmit(conn, apdu)).ms);
          peer.push(run);
          await pcsc.disconnect(conn);
          return `${run.transfers} transfers, ${run.bytes} bytes, ${run.msPerApdu.toFixed(1)} ms per APDU`;
        } finally {
          await detachPlugged(p);
          await pcsc.waitForNoReader((n) => n.includes(`(${p.serial})`)).catch(() => undefined);
        }
      });
    }
    report.data('PEER', peer);
    if (faultReader && !peerOnly) {
      for (const fault of FAULTS) {
        await report.test(`${label(faultReader)}: USB fault "${fault}", libccid`, () => libccidFault(pcsc, server, faultReader, fault), () => daemonLog());
      }
      report.data('FAULT', faultOutcomes);
    }
    if (!peerOnly) {
      for (const c of plan) {
        await judge(pcsc, server, c, ours.get(c.vector.file));
      }
    }
  } finally {
    await pcsc.release().catch(() => undefined);
    await bridge.close();
    await pcscd.stop();
    await server.close();
  }
  report.finish(`${plan.length} readers planned (${NOTICE_READERS.join(', ')} first), ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
// node-usb's libusb thread keeps the process alive: end it here, with the suite's exit code.
process.exit(process.exitCode ?? 0);

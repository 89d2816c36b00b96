/**
 * The QEMU suite, run INSIDE the guest (node dist-node/guest-suite.mjs): the project's CCID driver
 * over node-usb's WebUSB against QEMU's usb-ccid, whose card is the host's VSCard peer. Prints
 *   QEMU-TEST ok|FAIL <name> — <detail>     one line per test
 *   QEMU-APDU <n> xfr <bulk-out> <bulk-in>   the driver's own transfer counts per APDU
 *   probe| <line>                            the output of `ecard-pin probe`, run in the guest
 *   @@host <command>                         a request to the host (card removal / insertion)
 * and exits 1 when a test failed. scripts/test-qemu.mjs adds the host's checks.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  CardAbsentError,
  CardNotSupportedError,
  CcidReader,
  CommandNotSupportedError,
  PinPadUnavailableError,
  toHex,
  type SlotChange,
} from '../../src/ccid';
import { ECARD_ATR } from '../../cli/ecard-apdus';
import { findCcidCandidates } from '../../cli/node-usb';
import { withParametersCorrection, type ParametersCorrection } from './qemu-parameters-quirk';
import { T0_TEST_ATR, TEST_PIN } from './t0-test-card';
import { pinpadSource, screenSource } from '../../src/flows';
import { CASE_APDUS, CHECK_APDU, HOST_COMMAND, SCREEN_VERIFY, type PlannedApdu } from './suite-plan';

const QEMU_CCID = { vendorId: 0x08e6, productId: 0x4433 };
const SLOT_CHANGE_TIMEOUT_MS = 30_000;
const PROBE_TIMEOUT_MS = 120_000;
const PROBE_SCRIPT = fileURLToPath(new URL('./ecard-pin.mjs', import.meta.url));

let failed = 0;
let passed = 0;
let apdusSent = 0;
/** The driver's numbered USB log (headers only), kept to explain a failure. */
const trace: string[] = [];

/** Runs one test and prints its line; resolves to whether it passed. */
async function test(name: string, body: () => Promise<string | void>): Promise<boolean> {
  const traceStart = trace.length;
  try {
    const detail = await body();
    passed++;
    console.log(`QEMU-TEST ok ${name}${detail ? ` — ${detail}` : ''}`);
    return true;
  } catch (error) {
    failed++;
    console.log(`QEMU-TEST FAIL ${name} — ${describe(error)}`);
    for (const line of trace.slice(traceStart).slice(-12)) console.log(`  usb ${line}`);
    return false;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(what);
}

function checkBytes(actual: Uint8Array | null, expected: Uint8Array, what: string): void {
  check(actual !== null && toHex(actual) === toHex(expected), `${what}: expected ${toHex(expected)}, got ${actual ? toHex(actual) : 'nothing'}`);
}

/** Resolves to the rejection of `promise`; fails when it resolves. */
async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    const value = await promise;
    throw new Error(`${what}: expected a rejection, got ${value instanceof Uint8Array ? toHex(value) : String(value)}`);
  } catch (error) {
    return error;
  }
}

function checkInstance<T>(error: unknown, type: abstract new (...args: never[]) => T, what: string): T {
  check(error instanceof type, `${what}: expected ${type.name}, got ${describe(error)}`);
  return error;
}

function askHost(command: string): void {
  console.log(`@@host ${command}`);
}

/** Waits for the reader's slotchange event for slot 0 with this presence; subscribe before acting. */
function slotChange(reader: CcidReader, present: boolean): Promise<SlotChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no slotchange with present ${present} within ${SLOT_CHANGE_TIMEOUT_MS / 1000} s`));
    }, SLOT_CHANGE_TIMEOUT_MS);
    const off = reader.on('slotchange', (change) => {
      if (change.slot !== 0 || change.present !== present) return;
      clearTimeout(timer);
      off();
      resolve(change);
    });
  });
}

async function swapCard(reader: CcidReader, insert: string): Promise<void> {
  const removed = slotChange(reader, false);
  askHost(HOST_COMMAND.removeCard);
  await removed;
  const inserted = slotChange(reader, true);
  askHost(insert);
  await inserted;
}

/** Sends one planned APDU through the slot; checks the response and the driver's transfer count. */
async function exchange(reader: CcidReader, apdu: PlannedApdu): Promise<string> {
  const slot = reader.slots[0];
  check(slot !== undefined, 'slot 0 exists');
  const { bulkOut, bulkIn } = reader.transport.stats;
  const response = await slot.transmit(apdu.command);
  apdusSent++;
  const out = reader.transport.stats.bulkOut - bulkOut;
  const inn = reader.transport.stats.bulkIn - bulkIn;
  console.log(`QEMU-APDU ${apdusSent} xfr ${out} ${inn}`);
  checkBytes(response, apdu.response, 'response APDU');
  check(out === apdu.tpdus.length && inn === apdu.tpdus.length, `${apdu.tpdus.length} XfrBlock(s) of 1 bulk-OUT + 1 bulk-IN each, the driver counted ${out} OUT, ${inn} IN`);
  return `${toHex(apdu.command)} → ${toHex(response)} (${out} XfrBlock${out === 1 ? '' : 's'})`;
}

/**
 * PC/SC part 10 §2.5.2 PIN_VERIFY_STRUCTURE as PC_to_RDR_Secure carries it (CCID 1.1 §6.1.11.4):
 * bPINOperation 00 (verify), then the verification data; the APDU template is the eCard's VERIFY
 * with 4 placeholder bytes the PIN pad fills with the ASCII digits.
 */
function pinVerifyData(): Uint8Array {
  return Uint8Array.of(
    0x00, // bPINOperation: PIN verification
    0x1e, // bTimeOut: 30 s
    0x82, // bmFormatString: length in bytes, PIN at offset 0, left justified, ASCII
    0x04, // bmPINBlockString: no PIN length field, 4-byte PIN block
    0x00, // bmPINLengthFormat: none
    0x04, 0x04, // wPINMaxExtraDigit: max 4, min 4 digits (low byte first)
    0x02, // bEntryValidationCondition: validation key
    0x01, // bNumberMessage
    0x09, 0x04, // wLangId: 0x0409
    0x00, // bMsgIndex
    0x00, 0x00, 0x00, // bTeoPrologue (T=1 only)
    0x00, 0x20, 0x00, 0x01, 0x04, 0xff, 0xff, 0xff, 0xff, // abPINApdu: VERIFY PIN 01, 4 placeholder bytes
  );
}

interface ProbeRun {
  readonly code: number | null;
  readonly lines: string[];
}

/** Runs `ecard-pin probe` as its own process (as a user would) and echoes its output as "probe| …". */
function runProbe(): Promise<ProbeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROBE_SCRIPT, 'probe'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = text.split('\n').filter((line) => line.length > 0);
      for (const line of lines) console.log(`probe| ${line}`);
      resolve({ code, lines });
    });
  });
}

async function powerOnT0(reader: CcidReader | null): Promise<string | void> {
  const slot = requireReader(reader).slots[0];
  check(slot !== undefined, 'slot 0');
  checkBytes(await slot.powerOn(), T0_TEST_ATR, 'ATR');
  check(slot.session?.plan?.protocol === 0, `T=0 agreed, got ${String(slot.session?.plan?.protocol)}`);
  return slot.session.notes.join(' ') || undefined;
}

function requireReader(reader: CcidReader | null): CcidReader {
  check(reader !== null, 'the reader was opened by an earlier test');
  return reader;
}

async function main(): Promise<void> {
  /** Set by the tests that open them; later tests fail cleanly when an earlier one could not. */
  const opened: { device: ParametersCorrection | null; reader: CcidReader | null } = { device: null, reader: null };

  await test('finds QEMU USB CCID 08E6:4433 among the CCID devices on the bus', async () => {
    const candidates = findCcidCandidates();
    const qemu = candidates.find((c) => c.vendorId === QEMU_CCID.vendorId && c.productId === QEMU_CCID.productId);
    check(qemu !== undefined, `08E6:4433 among ${candidates.length} CCID devices`);
    const device = await qemu.open();
    opened.device = withParametersCorrection(device);
    return `"${device.manufacturerName ?? ''} ${device.productName ?? ''}", bus ${qemu.busNumber} device ${qemu.deviceAddress}`;
  });

  await test('reads the configuration descriptor and parses the CCID descriptor: T=0 only, TPDU, dwFeatures 0x000104FE, dwMaxCCIDMessageLength 65554', async () => {
    check(opened.device !== null, 'device found');
    opened.reader = await CcidReader.open(opened.device.device, { log: (line) => trace.push(line) });
    const d = opened.reader.descriptor;
    check(d.protocols.length === 1 && d.protocols[0] === 0, `protocols T=0 only, got ${d.protocols.join(',')}`);
    check(d.exchangeLevel === 'tpdu', `TPDU level, got ${d.exchangeLevel}`);
    check(d.dwFeatures === 0x000104fe, `dwFeatures 0x000104FE, got 0x${d.dwFeatures.toString(16)}`);
    check(d.dwMaxCCIDMessageLength === 65554, `dwMaxCCIDMessageLength 65554, got ${d.dwMaxCCIDMessageLength}`);
    check(d.pinVerify && !d.pinModify, `bPINSupport 1 (verify only), got ${d.bPINSupport}`);
    check(opened.reader.slots.length === 1, `1 slot, got ${opened.reader.slots.length}`);
    return `descriptor at offset ${opened.reader.ccid.descriptorOffset}, bPINSupport ${d.bPINSupport}, ${opened.reader.slots.length} slot, clocks ${opened.reader.clockFrequenciesKhz.join(',') || '-'} kHz, rates ${opened.reader.dataRates.join(',') || '-'} bps`;
  });

  const powerOnName = 'powers the card on and reads the peer ATR 3B 02 14 50, T=0';
  if (!(await test(`${powerOnName}, with QEMU's Parameters frames as sent (dwLength 0 + 7 bytes)`, () => powerOnT0(opened.reader)))) {
    opened.device?.enable();
    console.log("QEMU-NOTE from here on the driver sees QEMU's Parameters frames with dwLength corrected (tests/qemu/qemu-parameters-quirk.ts)");
    await test(`${powerOnName}, with QEMU's Parameters frames corrected to CCID 1.1 §6.2.3`, async () => {
      const detail = await powerOnT0(opened.reader);
      return `${opened.device?.corrected ?? 0} frame(s) corrected${detail ? `; ${detail}` : ''}`;
    });
  }

  for (const apdu of CASE_APDUS) await test(apdu.name, () => exchange(requireReader(opened.reader), apdu));

  await test('PC_to_RDR_Secure (PIN verify) ends in CommandNotSupportedError although bPINSupport announces verification', async () => {
    const r = requireReader(opened.reader);
    check(r.descriptor.pinVerify, 'bPINSupport announces PIN verification');
    const error = await rejection(r.transport.execute(0, { type: 'Secure', bwi: 0, levelParameter: 0, data: pinVerifyData() }), 'Secure');
    const refused = checkInstance(error, CommandNotSupportedError, 'PC_to_RDR_Secure');
    return `bError 0x${refused.bError.toString(16).padStart(2, '0')}, ICC status ${refused.iccStatus}`;
  });

  await test("slot.verifyPinOnPinpad reports the PIN pad unavailable ('not-supported'), nothing reaches the card", async () => {
    const slot = requireReader(opened.reader).slots[0];
    check(slot !== undefined, 'slot 0');
    const request = { apduHeader: Uint8Array.of(0x00, 0x20, 0x00, 0x01), pinLength: { min: 4, max: 4 }, timeoutSeconds: 30 };
    const error = checkInstance(await rejection(slot.verifyPinOnPinpad(request), 'verifyPinOnPinpad'), PinPadUnavailableError, 'verifyPinOnPinpad');
    check(error.reason === 'not-supported', `reason not-supported, got ${error.reason}`);
    return error.message;
  });

  await test('the flows fall back to the screen keypad: the typed PIN goes out as one VERIFY', async () => {
    const r = requireReader(opened.reader);
    const slot = r.slots[0];
    check(slot !== undefined, 'slot 0');
    const typed = String.fromCharCode(...TEST_PIN);
    const pins = pinpadSource(screenSource(async () => typed));
    const { bulkOut } = r.transport.stats;
    const response = await pins.send(slot, { kind: 'verify', prompt: 'pin', length: TEST_PIN.length });
    apdusSent++;
    checkBytes(response, SCREEN_VERIFY.response, 'response APDU');
    // One Secure refused by the reader, then one XfrBlock: the PIN went to the card once.
    check(r.transport.stats.bulkOut - bulkOut === 2, `1 Secure + 1 XfrBlock, got ${r.transport.stats.bulkOut - bulkOut} bulk OUT`);
    return `${toHex(response)} after the fallback`;
  });

  await test('the reader still works after the refused PC_to_RDR_Secure', () => exchange(requireReader(opened.reader), CHECK_APDU));

  await test('card removal → slotchange present false, and the slot refuses APDUs with CardAbsentError', async () => {
    const r = requireReader(opened.reader);
    const removed = slotChange(r, false);
    askHost(HOST_COMMAND.removeCard);
    await removed;
    const slot = r.slots[0];
    check(slot !== undefined, 'slot 0');
    checkInstance(await rejection(slot.transmit(CHECK_APDU.command), 'transmit after removal'), CardAbsentError, 'transmit after removal');
    const status = await slot.status();
    check(status.card === 'absent', `GetSlotStatus says absent, got ${status.card}`);
  });

  await test('reinsertion → slotchange present true, power on gives the ATR again, APDUs work', async () => {
    const r = requireReader(opened.reader);
    const inserted = slotChange(r, true);
    askHost(HOST_COMMAND.insertT0Card);
    await inserted;
    checkBytes(await r.slots[0]?.powerOn() ?? null, T0_TEST_ATR, 'ATR after reinsertion');
    return exchange(r, CHECK_APDU);
  });

  await test('ecard-pin probe says the reader is busy while another program holds it (DeviceBusyError)', async () => {
    requireReader(opened.reader);
    const run = await runProbe();
    check(run.code === 2, `exit code 2 (a reader could not be probed), got ${String(run.code)}`);
    check(run.lines.some((line) => line.includes('in use by another program, usually pcscd')), 'a line naming the busy reader');
  });

  await test('a T=1-only card (the eCard ATR) → powerOn rejects with CardNotSupportedError, ATR kept', async () => {
    const r = requireReader(opened.reader);
    await swapCard(r, HOST_COMMAND.insertEcard);
    const slot = r.slots[0];
    check(slot !== undefined, 'slot 0');
    const error = checkInstance(await rejection(slot.powerOn(), 'powerOn of a T=1-only card'), CardNotSupportedError, 'powerOn');
    checkBytes(slot.atr, ECARD_ATR, 'ATR kept after the refusal');
    return error.message;
  });

  await test('ecard-pin probe reports the reader, its PIN pad, the card and the tries left', async () => {
    const r = requireReader(opened.reader);
    await swapCard(r, HOST_COMMAND.insertT0Card);
    await r.close();
    opened.reader = null;
    const run = await runProbe();
    check(run.code === 0, `exit code 0, got ${String(run.code)}`);
    const expected = [
      'reader 1: 08E6:4433 "QEMU QEMU USB CCID"',
      '  corpus name: Gemplus USB SmartCard Reader 433-Swap',
      '  exchange level: TPDU; protocols T=0',
      '  PIN pad: announced (verify yes, modify no)',
      '  slot 0: card ATR 3B 02 14 50, T=0',
      '    PIN: 3 tries left (VERIFY without PIN answered 63C3; no try spent)',
    ];
    const missing = expected.filter((want) => !run.lines.some((line) => line.startsWith(want)));
    check(missing.length === 0, `lines starting with: ${missing.join(' | ')}`);
  });

  console.log(`QEMU-SUITE apdus ${apdusSent} passed ${passed} failed ${failed}`);
  await opened.reader?.close();
}

// node-usb keeps the process alive while a transfer (the interrupt pipe) is in flight: exit explicitly.
main().then(
  () => process.exit(failed === 0 ? 0 : 1),
  (error: unknown) => {
    console.log(`QEMU-TEST FAIL the suite itself — ${describe(error)}`);
    process.exit(1);
  },
);

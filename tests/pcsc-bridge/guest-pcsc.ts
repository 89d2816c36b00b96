/**
 * The Web Smart Card API over REAL pcsc-lite + libccid, run INSIDE the QEMU guest
 * (node dist-node/guest-pcsc.mjs [--only GemPCPinpad.txt,…]): the API stand-in of the tests
 * (tests/support/web-smart-card/api.ts) over the pyscard bridge, Debian's pcscd 1.9.9 with libccid
 * 1.5.2, and our virtual readers exported over USB/IP and attached through vhci-hcd. src/pcsc and
 * src/flows run the real-stack scenarios (scenarios.ts) on GemPC Pinpad (TPDU T=1, PIN pad),
 * OMNIKEY 3821 (short APDU, PIN pad) and GemPC Twin (TPDU, screen keypad), one after the other.
 *
 * Prints PCSCLIBCCID-TEST ok|FAIL lines, PCSCLIBCCID-<KIND> <json> data lines for the host's report
 * (LEDGER, FEATURES, PIN, EVENTS, UNPLUG, SHARING, TRACE) and PCSCLIBCCID-SUITE at the end.
 */
import { fromHex, toHex } from '../../src/ccid';
import { CM_IOCTL_GET_FEATURE_REQUEST, Feature, decodeFeatures } from '../../src/pcsc/features';
import { decodePcscPinModify, decodePcscPinVerify } from '../../src/pcsc/pin-structures';
import { createVirtualEcard } from '../../src/sim';
import { PcscReaderGoneError, PcscSlot, type SmartCardContext, type SmartCardResourceManager } from '../../src/pcsc';
import { selectEcardApdu } from '../../src/card';
import { messageFor } from '../../src/ui/error-messages';
import { readerVector } from '../support/corpus';
import { createGuestReport, check } from '../support/guest-report';
import { recordingBackend, type ControlCall } from '../support/pcsc-desk';
import { createSmartCardResourceManager, type PcscBackend } from '../support/web-smart-card/api';
import { DISPOSITION, PROTOCOL, SCARD, SHARE, STATE, libccidFeatureCode } from '../support/web-smart-card/pcsc-codes';
import { secureFields } from '../libccid/secure-fields';
import { secureMessages } from '../libccid/scenario';
import { startUsbipServer, type UsbipServer } from '../usbip/server';
import { plugCorpusReader, replugPlugged, type PluggedReader } from '../usbip/guest-readers';
import { keepNfcDriverAway, startPcscd, startUdevd, type Pcscd } from './guest-pcscd';
import { changedOnTheWay, describeFeatures, pcscPinFields } from './part10-fields';
import { openPcscClient, scardName } from './pcsc';
import { startPyscardBridge } from './pyscard-backend';
import { cardIs, noticeScenario, padRefusalScenario, removalScenario, sharingScenario, unplugScenario, type RealDesk } from './scenarios';

const report = createGuestReport('PCSCLIBCCID');
const READERS = [
  { file: 'GemPCPinpad.txt', pinpad: true },
  { file: 'CardMan3821.txt', pinpad: true },
  { file: 'GemPCTwin.txt', pinpad: false },
] as const;
const only = argValue('--only')?.split(',') ?? null;

function argValue(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

interface Stack {
  readonly server: UsbipServer;
  /** The bridge's raw PC/SC calls (no API in between), for the vanished-reader probe. */
  readonly backend: PcscBackend;
  /** The API stand-in over the bridge, recording controls (what the scenarios use). */
  readonly manager: SmartCardResourceManager;
  readonly pcscd: Pcscd;
  readonly desk: (p: PluggedReader, readerName: string, trace: string[]) => RealDesk;
  readonly watcher: SmartCardContext;
  readonly controls: ControlCall[];
  readonly overlaps: string[];
}

/** The reader pcscd lists for this plug-in (its serial is in the name), once listed. */
async function readerNameOf(watcher: SmartCardContext, serial: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const name = (await watcher.listReaders()).find((n) => n.includes(`(${serial})`));
    if (name) return name;
    await sleep(100);
  }
  throw new Error(`pcscd never listed the reader ${serial}`);
}

/** Resolves once pcscd no longer lists the reader. */
async function readerGone(watcher: SmartCardContext, name: string): Promise<number> {
  const started = Date.now();
  for (let i = 0; i < 300; i++) {
    if (!(await watcher.listReaders()).includes(name)) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`pcscd still lists ${name}`);
}

/** libccid's control codes for FEATURE_VERIFY_PIN_DIRECT / FEATURE_MODIFY_PIN_DIRECT. */
const isPinEntry = (code: number) => code === libccidFeatureCode(Feature.verifyPinDirect) || code === libccidFeatureCode(Feature.modifyPinDirect);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Decoded PIN structure, one line. */
function decodedLine(code: number, dataHex: string, verifyCode: number): string {
  const bytes = fromHex(dataHex);
  const operation = code === verifyCode ? 'verify' : 'modify';
  const decoded = operation === 'verify' ? decodePcscPinVerify(bytes) : decodePcscPinModify(bytes);
  const named = pcscPinFields(bytes, operation).map((f) => `${f.name}=${f.hex.replace(/ /g, '')}`).join(' ');
  return `${named} (bTimerOut2 ${decoded.timeout2Seconds} s)`;
}

/** The card's INS, whether it took the PIN, and the tries left after it. */
function ledgerRows(ledger: readonly { ins: number; ok: boolean; triesLeftAfter: number }[]): string[] {
  return ledger.map((t) => `${t.ins.toString(16).padStart(2, '0').toUpperCase()} ${t.ok ? 'ok' : 'wrong'} ${t.triesLeftAfter} left`);
}

async function runReader(stack: Stack, file: string, pinpad: boolean): Promise<void> {
  const vector = readerVector(file);
  const name = file.replace(/\.txt$/, '');
  const trace: string[] = [];
  const attached: { plugged?: PluggedReader; readerName?: string } = {};
  await report.test(`${name}: attached over USB/IP, pcscd lists it`, async () => {
    attached.plugged = await plugCorpusReader(stack.server, vector, { reader: { pinpad } });
    attached.readerName = await readerNameOf(stack.watcher, attached.plugged.serial);
    return `"${attached.readerName}"`;
  });
  const { plugged: first, readerName } = attached;
  if (!first || !readerName) return;
  /** The reader as plugged now (a re-plug gives it a new attachment; reader, export and serial stay). */
  let plugged: PluggedReader = first;
  const desk = stack.desk(plugged, readerName, trace);
  const context = () => [...trace.slice(-30), ...plugged.exported.violations().map((v) => `violation: ${v}`), ...daemonTail(stack.pcscd)];
  /** One test on this reader; whatever happened, the next one starts with the slot empty (a failure does not cascade). */
  const step = (title: string, body: () => Promise<string | void>) =>
    report.test(`${name}: ${title}`, async () => {
      try {
        return await body();
      } finally {
        plugged.reader.remove();
        await cardIs(stack.watcher, readerName, false).catch(() => undefined);
      }
    }, context);

  await step(`the notice, steps 1–8, through src/flows over PcscSlot (${pinpad ? 'PIN pad via PC_to_RDR_Secure' : 'screen keypad'})`, async () => {
    const controlsBefore = stack.controls.length;
    const securesBefore = secureMessages(plugged.exported).length;
    const { line, card } = await noticeScenario(desk);
    const controls = stack.controls.slice(controlsBefore);
    const secures = secureMessages(plugged.exported).slice(securesBefore);
    const featureCall = controls.find((c) => c.code === CM_IOCTL_GET_FEATURE_REQUEST);
    check(featureCall !== undefined, 'the slot asked for the feature list');
    const tlv = featureCall.answer.dataHex;
    const features = decodeFeatures(fromHex(tlv));
    const verifyCode = features.get(Feature.verifyPinDirect);
    const modifyCode = features.get(Feature.modifyPinDirect);
    check(pinpad === (verifyCode !== undefined), `FEATURE_VERIFY_PIN_DIRECT ${verifyCode === undefined ? 'absent' : 'listed'}`);
    report.data('FEATURES', { reader: name, tlv, features: tlv ? describeFeatures(fromHex(tlv)) : [], answer: featureCall.answer.code });
    const pinControls = controls.filter((c) => c.code === verifyCode || c.code === modifyCode);
    check(pinControls.length === (pinpad ? 3 : 0), `${pinControls.length} PIN structures through control()`);
    check(secures.length === pinControls.length, `${secures.length} PC_to_RDR_Secure for ${pinControls.length} PIN structures`);
    const operations = ['reset', 'change', 'verify'] as const;
    pinControls.forEach((c, i) => {
      const secure = secures[i];
      check(secure !== undefined, `a PC_to_RDR_Secure for the ${operations[i]}`);
      const operation = c.code === verifyCode ? 'verify' : 'modify';
      const changed = changedOnTheWay(pcscPinFields(fromHex(c.dataHex), operation), secureFields(secure));
      const apdu = changed.find((f) => f.name === 'abPINApdu');
      check(apdu === undefined, `libccid sent another APDU template: ${apdu?.structure} → ${apdu?.secure}`);
      report.data('PIN', {
        reader: name,
        operation: operations[i],
        code: `0x${c.code.toString(16).toUpperCase()}`,
        structure: c.dataHex,
        decoded: decodedLine(c.code, c.dataHex, verifyCode ?? -1),
        answer: c.answer.dataHex,
        secure: toHex(secure),
        secureDecoded: secureFields(secure).map((f) => `${f.name}=${f.hex.replace(/ /g, '')}`).join(' '),
        changed,
      });
    });
    report.data('LEDGER', { reader: name, pinpad, ledger: ledgerRows(card.ledger), triesLeft: card.triesLeft(), pin4821: card.hasPin('4821') });
    return line;
  });

  if (pinpad) {
    await step(`cancel and timeout on the PIN pad cost no try and are not retried`, async () => {
      const before = stack.controls.length;
      const line = await padRefusalScenario(desk);
      const answers = stack.controls.slice(before).filter((c) => isPinEntry(c.code)).map((c) => c.answer);
      report.data('REFUSALS', { reader: name, answers });
      return `${line}; libccid answered ${answers.map((a) => `${a.code === 0 ? 'SCARD_S_SUCCESS' : `0x${a.code.toString(16)}`} ${a.dataHex || '(no data)'}`).join(' / ')}`;
    });
  }

  await step('the card removed while the PIN is asked → -8, swapped → -61, no try spent', async () => {
    const controlsFrom = stack.controls.length;
    const traceFrom = trace.length;
    const line = await removalScenario(desk);
    const answers = stack.controls.slice(controlsFrom).filter((c) => isPinEntry(c.code)).map((c) => scardName(c.answer.code));
    const seen = trace.slice(traceFrom).filter((l) => /failed|card (in|out)|gone/.test(l));
    report.data('REMOVAL', { reader: name, pinEntryAnswers: answers, trace: seen });
    return `${line}${answers.length ? `; the PIN entries answered ${answers.join(', ')}` : ''}; slot: ${seen.map((l) => l.replace(/^pcsc \d+ /, '')).join(', ')}`;
  });

  await step(`card events through getStatusChange (time from the card moving to pcscd reporting it)`, async () => {
    const events = await eventTimes(stack.watcher, readerName, desk);
    report.data('EVENTS', { reader: name, ...events });
    return `insert → present ${events.insertMs.join('/')} ms, remove → empty ${events.removeMs.join('/')} ms`;
  });

  await step(`another application holding the reader exclusively → sharing violation, in plain words`, async () => {
    const { line, shown } = await sharingScenario(desk);
    report.data('SHARING', { reader: name, ...shown });
    return line;
  });

  // The cable pulled while the PIN is asked: on the pad (PIN pad readers), and while the screen keypad asks (all).
  const unplugTest = (where: 'PIN pad' | 'screen keypad') =>
    report.test(`${name}: the reader unplugged while the ${where} asks → -9, no try spent`, async () => {
      const traceFrom = trace.length;
      const result = await unplugScenario(where === 'PIN pad' ? desk : { ...desk, pinpad: null });
      const droppedMs = await readerGone(stack.watcher, readerName);
      // The pad's prompt is still up in the virtual reader (it lives on the USB/IP side): end it.
      plugged.reader.pinpad?.press('cancel');
      report.data('UNPLUG', { reader: name, where, code: result.code, ledger: result.ledger, trace: trace.slice(traceFrom), droppedMs, ...result.shown });
      return `${result.line}; pcscd no longer lists the reader ${droppedMs} ms after the flow ended`;
    }, context);
  /** Plugs the reader back after an unplug and waits until pcscd lists it again. */
  const replug = async () => {
    plugged = await replugPlugged(plugged);
    await readerNameOf(stack.watcher, plugged.serial);
  };
  if (pinpad) {
    await unplugTest('PIN pad');
    await replug();
  }
  await unplugTest('screen keypad');
  await replug();
  await report.test(`${name}: what pcsc-lite answers on a handle of a reader that vanished`, async () => {
    const answers = await vanishedReader(stack.backend, plugged, readerName);
    report.data('VANISHED', { reader: name, ...answers });
    return Object.entries(answers).map(([call, answer]) => `${call} → ${answer}`).join(', ');
  }, context);
  await replug();
  await report.test(`${name}: a powered slot whose reader pcscd dropped while nobody watched: the next command says the reader is gone (-9)`, async () => {
    plugged.reader.insert(createVirtualEcard({ state: 'active' }));
    await cardIs(stack.watcher, readerName, true);
    const slot = await PcscSlot.open(await stack.manager.establishContext(), readerName, { log: (line) => trace.push(line) });
    try {
      await slot.powerOn();
      plugged.exported.unplug();
      await readerGone(stack.watcher, readerName);
      const error = await slot.transmit(selectEcardApdu()).then(
        () => null,
        (e: unknown) => e,
      );
      check(error instanceof PcscReaderGoneError, `transmit on the old connection: ${String(error)}`);
      return `${error.name} (${error.failure}), shown as ${messageFor(error)}`;
    } finally {
      plugged.reader.remove();
      await slot.close().catch(() => undefined);
    }
  }, context);

  await report.test(`${name}: no firmware violation (every attachment), no overlapping PC/SC call on a context`, async () => {
    check(plugged.exported.violations().length === 0, plugged.exported.violations().join('; '));
    check(stack.overlaps.length === 0, stack.overlaps.join('; '));
    return `${plugged.exported.records().length} URBs`;
  }, context);
}

/**
 * A handle connected (shared) to a reader whose cable is then pulled, asked again once pcscd no
 * longer lists the reader: the raw PC/SC answers (the API stand-in maps them to its errors).
 */
async function vanishedReader(backend: PcscBackend, p: PluggedReader, readerName: string): Promise<Record<string, string>> {
  const { context } = await backend.establishContext();
  p.reader.insert(createVirtualEcard({ state: 'active' }));
  const pcsc = await openPcscClient(backend);
  try {
    await pcsc.waitForState(readerName, STATE.present);
    const { handle, protocol } = await backend.connect(context, readerName, SHARE.shared, PROTOCOL.t0 | PROTOCOL.t1);
    p.exported.unplug();
    await pcsc.waitForNoReader((n) => n === readerName);
    const status = await backend.status(handle);
    const transmit = await backend.transmit(handle, protocol, Uint8Array.of(0x00, 0xa4, 0x04, 0x00));
    const control = await backend.control(handle, CM_IOCTL_GET_FEATURE_REQUEST, new Uint8Array(0));
    const change = await backend.getStatusChange(context, 0, [{ reader: readerName, currentState: STATE.present }]);
    const disconnect = await backend.disconnect(handle, DISPOSITION.leave);
    return {
      SCardStatus: scardName(status.code),
      SCardTransmit: scardName(transmit.code),
      SCardControl: scardName(control.code),
      SCardGetStatusChange: change.code === SCARD.S_SUCCESS ? `state 0x${(change.states[0]?.eventState ?? 0).toString(16)}` : scardName(change.code),
      SCardDisconnect: scardName(disconnect),
    };
  } finally {
    p.reader.remove();
    await pcsc.release();
  }
}

/** Three insertions and removals, each timed from the virtual reader's move to getStatusChange's answer. */
async function eventTimes(watcher: SmartCardContext, readerName: string, desk: RealDesk): Promise<{ insertMs: number[]; removeMs: number[] }> {
  const insertMs: number[] = [];
  const removeMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (const present of [true, false]) {
      const [now] = await watcher.getStatusChange([{ readerName, currentState: { unaware: true } }]);
      check(now !== undefined && now.eventState.present !== present, 'the card is where it should be before the move');
      const started = Date.now();
      const waiting = watcher.getStatusChange([{ readerName, currentState: present ? { empty: true } : { present: true }, currentCount: now.eventCount }], { timeout: 20_000 });
      if (present) await desk.insert(createVirtualEcard({ state: 'active' }));
      else await desk.remove();
      const [after] = await waiting;
      check(after?.eventState.present === present, `pcscd reports the card ${present ? 'in' : 'out'}`);
      (present ? insertMs : removeMs).push(Date.now() - started);
    }
  }
  return { insertMs, removeMs };
}

/** The end of pcscd's log (libccid's lines included), for a failing test. */
const daemonTail = (pcscd: Pcscd): string[] =>
  pcscd
    .log()
    .split('\n')
    .filter((line) => !/winscard_svc|winscard_msg|ContextThread|MSGFunctionDemarshall/.test(line))
    .slice(-30)
    .map((line) => `pcscd| ${line}`);

async function main(): Promise<void> {
  const started = Date.now();
  await keepNfcDriverAway();
  await startUdevd();
  const server = await startUsbipServer();
  const pcscd = await startPcscd();
  const bridge = startPyscardBridge();
  // The other application: a pcsc-lite client process of its own.
  const otherBridge = startPyscardBridge();
  const controls: ControlCall[] = [];
  const overlaps: string[] = [];
  const manager = createSmartCardResourceManager(recordingBackend(bridge.backend, controls, overlaps));
  const otherApplication = createSmartCardResourceManager(otherBridge.backend);
  const watcher = await createSmartCardResourceManager(bridge.backend).establishContext();
  const stack: Stack = {
    server,
    backend: bridge.backend,
    manager,
    pcscd,
    watcher,
    controls,
    overlaps,
    desk: (p, readerName, trace) => ({
      manager,
      watcher,
      readerName,
      pinpad: p.reader.pinpad,
      insert: (card) => p.reader.insert(card),
      remove: () => p.reader.remove(),
      otherApplication,
      unplug: () => p.exported.unplug(),
      log: (line) => trace.push(line),
    }),
  };
  try {
    for (const { file, pinpad } of READERS) {
      if (only && !only.includes(file)) continue;
      await runReader(stack, file, pinpad);
    }
  } finally {
    await bridge.close();
    await otherBridge.close();
    await pcscd.stop();
    await server.close();
  }
  report.finish(`${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
// node-usb is not loaded here, but the USB/IP server's sockets and pcscd's pipes may linger: end with the suite's code.
process.exit(process.exitCode ?? 0);

/**
 * Hostile reader (issue 6 §3): a reader that answers with wrong bSeq, wrong slot, lengths that lie,
 * wrong or non-CCID message types, endless time extensions, garbage, and data nobody asked for.
 * Every driver call ends typed (or with the right answer) within BOUND_MS, the driver logs what was
 * wrong, memory stays bounded, and the driver works again once the reader behaves.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CcidError,
  CcidReader,
  CcidSlot,
  CcidTimeoutError,
  MalformedDataError,
  ReaderProtocolError,
  fromHex,
  toHex,
  type ReaderOptions,
} from '../../../src/ccid';
import { checkCard } from '../../../src/flows';
import { createHostileReader, createVirtualEcard, lies, type AnswerPlan, type HostileReader } from '../../../src/sim';
import { readerVector } from '../../support/corpus';
import { scriptedCard } from '../../support/readers';

/** Small transport caps, as in the fault matrix, so that every wait ends quickly. */
const TRANSPORT = { commandTimeoutMs: 50, maxCommandMs: 150, abortTimeoutMs: 100 } as const;
/** Every driver call ends within this, whatever the reader does. */
const BOUND_MS = 1_000;
/** Live heap growth allowed across a flood of 100,000 unsolicited frames, after a full collection. */
const FLOOD_HEAP_BOUND_MB = 2;
const READERS = ['CardMan3821.txt', 'GemPCPinpad.txt'] as const;
const SELECT = fromHex('00 A4 04 00 02 3F 00');

const unhandled: unknown[] = [];
const collect = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => void process.on('unhandledRejection', collect));
afterAll(() => void process.off('unhandledRejection', collect));

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const heapMb = () => {
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

function hostile(file: string, card: 'scripted' | 'ecard' = 'scripted'): HostileReader {
  const vector = readerVector(file);
  const reader = createHostileReader({
    descriptor: vector.ccid_class_descriptor_hex,
    vendorId: vector.idVendor,
    productId: vector.idProduct,
    interfaceClass: vector.interface.bInterfaceClass,
    dataRates: vector.get_data_rates_bps,
    clockFrequenciesKhz: vector.get_clock_frequencies_khz,
  });
  reader.insert(card === 'ecard' ? createVirtualEcard({ state: 'active' }) : scriptedCard({ '00 A4 04 00 02 3F 00': '90 00' }));
  return reader;
}

async function open(virtual: HostileReader, log: string[], options: ReaderOptions = TRANSPORT) {
  const reader = await CcidReader.open(virtual.device, { ...options, log: (line) => void log.push(line) });
  const slot = reader.slots[0];
  if (!slot) throw new Error('no slot 0');
  return { reader, slot };
}

type Ended = { answer: string } | { error: CcidError } | { outcome: string };

/** Runs one driver call, failing the test if it takes longer than BOUND_MS or throws anything untyped. */
async function bounded(call: () => Promise<Ended>): Promise<Ended & { ms: number }> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no end within ${BOUND_MS} ms`)), BOUND_MS);
  });
  try {
    const ended = await Promise.race([
      call().catch((error: unknown) => {
        if (error instanceof CcidError) return { error };
        throw error;
      }),
      hang,
    ]);
    return { ...ended, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

type Call = 'powerOn' | 'transmit' | 'status' | 'checkCard';
type ErrorClass = abstract new (...args: never[]) => CcidError;

interface Case {
  readonly name: string;
  /** How the reader lies: on the next command (`count` 1) or on every answer (count omitted). */
  readonly plan: Partial<AnswerPlan>;
  readonly count?: number;
  /** Unsolicited bulk-IN frames queued right before the call (between commands). */
  readonly strays?: { readonly count: number; readonly seq: 'old' | 'next' | 'future' };
  readonly calls: readonly Call[];
  /** How transmit / powerOn / status end: an error class, or 'answer' for the right answer. */
  readonly expect: ErrorClass | 'answer';
  /** A fragment of the error's message (what was wrong). */
  readonly says?: string;
}

const ONCE = 1;
const ALL_CALLS: readonly Call[] = ['powerOn', 'transmit', 'checkCard'];
const CASES: readonly Case[] = [
  { name: 'wrong bSeq (the next one) on one answer', plan: { rewrite: lies.seq(1) }, count: ONCE, calls: ALL_CALLS, expect: CcidTimeoutError, says: 'answered no command' },
  { name: 'wrong bSeq (an old one) on one answer', plan: { rewrite: lies.seq(-1) }, count: ONCE, calls: ALL_CALLS, expect: CcidTimeoutError, says: 'answered no command' },
  { name: 'wrong bSeq on every answer, the abort included', plan: { rewrite: lies.seq(1) }, calls: ['powerOn', 'transmit'], expect: CcidTimeoutError, says: 'did not confirm the abort' },
  { name: 'wrong bSlot on one answer', plan: { rewrite: lies.slot(1) }, count: ONCE, calls: ALL_CALLS, expect: ReaderProtocolError, says: 'for slot 1' },
  { name: 'wrong bSlot on every answer', plan: { rewrite: lies.slot(3) }, calls: ['powerOn', 'transmit'], expect: ReaderProtocolError, says: 'for slot 3' },
  { name: 'dwLength bigger than the bytes sent', plan: { rewrite: lies.dwLength((n) => n + 100) }, count: ONCE, calls: ALL_CALLS, expect: MalformedDataError, says: 'dwLength' },
  { name: 'dwLength smaller than the bytes sent', plan: { rewrite: lies.dwLength((n) => Math.max(0, n - 2)) }, count: ONCE, calls: ['powerOn', 'transmit'], expect: MalformedDataError, says: 'more bytes' },
  { name: 'dwLength 0xFFFFFFFF', plan: { rewrite: lies.dwLength(() => 0xffff_ffff) }, count: ONCE, calls: ALL_CALLS, expect: MalformedDataError, says: '4294967295' },
  { name: 'dwLength 0xFFFFFFFF on every answer, the abort included', plan: { rewrite: lies.dwLength(() => 0xffff_ffff) }, calls: ['powerOn', 'transmit'], expect: MalformedDataError, says: '4294967295' },
  { name: 'endless time extensions every 5 ms', plan: { delayMs: 1e9, timeExtensionEveryMs: 5 }, count: ONCE, calls: ALL_CALLS, expect: CcidTimeoutError, says: 'aborted' },
  { name: 'endless time extensions asking 255 × the wait', plan: { delayMs: 1e9, timeExtensionEveryMs: 5, multiplier: 255 }, count: ONCE, calls: ['transmit'], expect: CcidTimeoutError, says: 'aborted' },
  { name: 'garbage after a valid frame', plan: { garbageAfter: fromHex('DE AD BE EF') }, count: ONCE, calls: ALL_CALLS, expect: MalformedDataError, says: '4 more bytes' },
  { name: 'garbage alone (4 bytes)', plan: { rewrite: lies.garbageInstead(fromHex('DE AD BE EF')) }, count: ONCE, calls: ALL_CALLS, expect: CcidTimeoutError, says: '4 malformed bytes' },
  { name: 'garbage alone (64 bytes)', plan: { rewrite: lies.garbageInstead(noise(64, 7)) }, count: ONCE, calls: ALL_CALLS, expect: CcidTimeoutError, says: 'malformed bytes' },
  { name: 'SlotStatus for an XfrBlock / IccPowerOn', plan: { rewrite: lies.messageType(0x81) }, count: ONCE, calls: ['powerOn', 'transmit'], expect: MalformedDataError, says: 'RDR_to_PC message' },
  { name: 'Escape for an XfrBlock / IccPowerOn', plan: { rewrite: lies.messageType(0x83) }, count: ONCE, calls: ALL_CALLS, expect: ReaderProtocolError, says: 'answered by Escape' },
  { name: 'DataBlock for a GetSlotStatus', plan: { rewrite: lies.messageType(0x80) }, count: ONCE, calls: ['status'], expect: ReaderProtocolError, says: 'answered by DataBlock' },
  { name: 'a bMessageType that is not CCID (0x6F)', plan: { rewrite: lies.messageType(0x6f) }, count: ONCE, calls: ALL_CALLS, expect: MalformedDataError, says: '0x6F' },
  { name: 'time extensions in the wrong message type', plan: { rewrite: lies.onTimeExtensions(lies.messageType(0x84)), delayMs: 200, timeExtensionEveryMs: 10 }, count: ONCE, calls: ALL_CALLS, expect: ReaderProtocolError, says: 'a time extension in DataRateAndClockFrequency' },
  { name: 'an unsolicited frame with an old bSeq before the command', plan: {}, strays: { count: 1, seq: 'old' }, calls: ALL_CALLS, expect: 'answer' },
  { name: 'an unsolicited frame with a future bSeq before the command', plan: {}, strays: { count: 3, seq: 'future' }, calls: ALL_CALLS, expect: 'answer' },
  { name: 'an unsolicited SlotStatus with the bSeq of the next command', plan: {}, strays: { count: 1, seq: 'next' }, calls: ['powerOn', 'transmit'], expect: ReaderProtocolError, says: 'answered by SlotStatus' },
  { name: 'a flood of 1,000 unsolicited frames', plan: {}, strays: { count: 1_000, seq: 'old' }, calls: ALL_CALLS, expect: ReaderProtocolError, says: 'frames in a row answered no command' },
];

/** Deterministic noise (a linear congruential generator with a fixed seed). */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const summary = { cases: 0, typed: 0, answered: 0, maxMs: 0, heapDeltaMb: 0 };
const endings = new Map<string, number>();
afterAll(() => {
  console.log(Object.fromEntries(endings));
  console.log(
    `hostile reader: ${summary.cases} cases, ${summary.typed} typed, ${summary.answered} right answers, max time ${summary.maxMs} ms, ` +
      `heap delta ${summary.heapDeltaMb.toFixed(2)} MB (100,000 unsolicited frames)`,
  );
});

function tally(ended: Ended & { ms: number }): void {
  summary.cases++;
  summary.maxMs = Math.max(summary.maxMs, ended.ms);
  if ('error' in ended || ('outcome' in ended && ended.outcome === 'timeout')) summary.typed++;
  else summary.answered++;
  const name = 'error' in ended ? ended.error.name : 'outcome' in ended ? `outcome ${ended.outcome}` : 'answer';
  endings.set(name, (endings.get(name) ?? 0) + 1);
}

const check = (slot: CcidSlot) =>
  checkCard({ slot, pins: { kind: 'screen', send: () => Promise.reject(new Error('no PIN in a check')) }, confirmLastTry: async () => false });

/** After the fault: the same reader works once the reader behaves, or (closed by the driver) a fresh open does. */
async function usableAgain(virtual: HostileReader, reader: CcidReader, log: string[], card: 'scripted' | 'ecard'): Promise<void> {
  virtual.behave();
  let again = reader;
  if (reader.transport.closed) {
    virtual.plug();
    again = (await open(virtual, log)).reader;
  }
  const slot = again.slots[0];
  if (!slot) throw new Error('no slot 0');
  if (card === 'ecard') {
    expect((await check(slot)).kind).toBe('tries-left');
  } else {
    await slot.powerOn();
    expect(toHex(await slot.transmit(SELECT))).toBe('90 00');
  }
  await again.close();
}

describe.each(READERS)('hostile %s', (file) => {
  for (const c of CASES) {
    for (const call of c.calls) {
      it(`${c.name}: ${call} ends ${call === 'checkCard' ? 'typed' : c.expect === 'answer' ? 'with the right answer' : `in ${c.expect.name}`}, reported, then the driver works`, async () => {
        const virtual = hostile(file, call === 'checkCard' ? 'ecard' : 'scripted');
        const log: string[] = [];
        const { reader, slot } = await open(virtual, log);
        if (call !== 'powerOn') await slot.powerOn();
        if (c.strays) virtual.sendUnsolicited(c.strays.count, c.strays.seq);
        virtual.misbehave(c.plan, c.count);
        const logged = log.length;
        const ended = await bounded(async () => {
          switch (call) {
            case 'powerOn':
              return { answer: toHex(await slot.powerOn()) };
            case 'transmit':
              return { answer: toHex(await slot.transmit(SELECT)) };
            case 'status':
              return { answer: (await slot.status()).card };
            case 'checkCard':
              return { outcome: (await check(slot)).kind };
          }
        });
        tally(ended);
        if (call === 'checkCard') {
          // A timeout is an outcome of the flow; any other driver error comes out typed.
          if ('outcome' in ended && c.expect !== 'answer') expect(ended.outcome).toBe('timeout');
          if ('error' in ended) expect(ended.error).toBeInstanceOf(CcidError);
          if (c.expect === 'answer') expect(ended).toMatchObject({ outcome: 'tries-left' });
        } else if (c.expect === 'answer') {
          expect(ended).toMatchObject({ answer: call === 'transmit' ? '90 00' : toHex(scriptedCard({}).atr) });
        } else {
          if (!('error' in ended)) throw new Error(`expected ${c.expect.name}, got ${JSON.stringify(ended)}`);
          expect(ended.error).toBeInstanceOf(c.expect);
          if (c.says) expect(ended.error.message).toContain(c.says);
          // Reported: the log names the failure, or the abort that ended the wait.
          const lines = log.slice(logged);
          expect(lines.some((l) => l.includes(ended.error.message) || (ended.error instanceof CcidTimeoutError && l.includes('ABORT')))).toBe(true);
        }
        await usableAgain(virtual, reader, log, call === 'checkCard' ? 'ecard' : 'scripted');
        expect(virtual.violations()).toEqual([]);
      });
    }
  }
});

describe('hostile reader: floods', () => {
  it('drops 100,000 unsolicited frames during one command with bounded memory, then answers', async () => {
    const virtual = hostile('CardMan3821.txt');
    let lines = 0;
    const reader = await CcidReader.open(virtual.device, { ...TRANSPORT, commandTimeoutMs: 30_000, maxCommandMs: 30_000, maxStaleFrames: 200_000, log: () => void lines++ });
    const slot = reader.slots[0];
    if (!slot) throw new Error('no slot 0');
    await slot.powerOn();
    virtual.sendUnsolicited(1_000, 'old'); // warm-up: the same path, before measuring
    await slot.transmit(SELECT);
    const before = heapMb();
    const stale = reader.transport.stats.staleFrames;
    virtual.sendUnsolicited(100_000, 'old');
    const started = Date.now();
    expect(toHex(await slot.transmit(SELECT))).toBe('90 00');
    const ms = Date.now() - started;
    summary.heapDeltaMb = heapMb() - before;
    expect(reader.transport.stats.staleFrames - stale).toBe(100_000);
    expect(lines).toBeGreaterThanOrEqual(100_000); // one header line per frame read
    expect(summary.heapDeltaMb).toBeLessThan(FLOOD_HEAP_BOUND_MB);
    expect(ms).toBeLessThan(20_000);
    await reader.close();
  }, 40_000);

  it('a flood of 10,000 with the default limits ends typed, drains during the abort, and the reader works again', async () => {
    const virtual = hostile('CardMan3821.txt');
    const log: string[] = [];
    const { reader, slot } = await open(virtual, log, { ...TRANSPORT, abortTimeoutMs: 10_000 });
    await slot.powerOn();
    virtual.sendUnsolicited(10_000, 'future');
    const started = Date.now();
    const error = await slot.transmit(SELECT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReaderProtocolError);
    expect(Date.now() - started).toBeLessThan(9_000);
    expect(reader.transport.closed).toBe(false);
    expect(toHex(await slot.transmit(SELECT))).toBe('90 00');
    await reader.close();
  }, 30_000);

  it('unsolicited and malformed interrupt messages (10,000) are dropped or passed on, and the driver keeps working', async () => {
    const virtual = hostile('CardMan3821.txt');
    const log: string[] = [];
    const { reader, slot } = await open(virtual, log);
    await slot.powerOn();
    for (const bytes of ['77', '50', '51 00 00', '50 03 03 03', '']) virtual.sendInterrupt(fromHex(bytes));
    for (let i = 0; i < 10_000; i++) virtual.sendInterrupt(fromHex('50 01')); // card present, nothing changed
    expect(toHex(await slot.transmit(SELECT))).toBe('90 00');
    await new Promise((r) => setTimeout(r, 20));
    expect(log.filter((l) => l.includes('INT malformed'))).toHaveLength(3);
    expect(reader.transport.stats.interruptIn).toBeGreaterThan(10_000);
    expect(toHex(await slot.transmit(SELECT))).toBe('90 00');
    expect(virtual.violations()).toEqual([]);
    await reader.close();
  });
});

describe('fixes found by the hostile reader', () => {
  it('(a) aborts a command answered out of protocol, so the next command is not refused as slot busy', async () => {
    // The reader, still busy, sends a time extension in the wrong message type, then answers 200 ms later.
    const virtual = hostile('CardMan3821.txt');
    const log: string[] = [];
    const { reader, slot } = await open(virtual, log);
    await slot.powerOn();
    virtual.misbehave({ rewrite: lies.onTimeExtensions(lies.messageType(0x80)), delayMs: 200, timeExtensionEveryMs: 10 }, ONCE);
    await expect(slot.status()).rejects.toBeInstanceOf(ReaderProtocolError);
    expect(toHex(await slot.transmit(SELECT))).toBe('90 00'); // before the fix: SlotBusyError
    expect(virtual.firmware.commands['Abort']).toBe(1);
    expect(reader.transport.stats.aborts).toBe(1);
    expect(virtual.violations()).toEqual([]);
    await reader.close();
  });

  it('(b) sends time extensions in the response type of the pending command, and the driver waits on them', async () => {
    const virtual = hostile('CardMan3821.txt');
    const { reader, slot } = await open(virtual, [], { ...TRANSPORT, maxCommandMs: 1_000 });
    await slot.powerOn();
    const sent: Uint8Array[] = [];
    const queueIn = virtual.device.queueIn.bind(virtual.device);
    virtual.device.queueIn = (endpoint, message) => {
      sent.push(message);
      queueIn(endpoint, message);
    };
    const teTypes = () => sent.filter((f) => (f[7] ?? 0) >> 6 === 2).map((f) => f[0]);
    const slow: Partial<AnswerPlan> = { delayMs: 150, timeExtensionEveryMs: 20 };

    virtual.misbehave(slow, ONCE);
    expect(await slot.status()).toMatchObject({ card: 'active' });
    expect(new Set(teTypes())).toEqual(new Set([0x81]));

    sent.length = 0;
    virtual.misbehave(slow, ONCE);
    const parameters = await reader.transport.execute(0, { type: 'GetParameters' });
    expect(parameters.type).toBe('Parameters');
    expect(new Set(teTypes())).toEqual(new Set([0x82]));

    sent.length = 0;
    virtual.misbehave(slow, ONCE);
    expect(toHex(await slot.transmit(SELECT))).toBe('90 00');
    expect(new Set(teTypes())).toEqual(new Set([0x80]));
    expect(reader.transport.stats.timeExtensions).toBeGreaterThanOrEqual(3);
    expect(reader.transport.stats.aborts).toBe(0);
    expect(virtual.violations()).toEqual([]);
    await reader.close();
  });
});

it('no unhandled rejection during the hostile reader cases', async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(unhandled.map(String)).toEqual([]);
});

/**
 * What the real-stack suites prove, written once over a "desk": a reader of a real pcsc-lite
 * reached through the Web Smart Card API stand-in (pyscard-backend.ts), whose card the test can
 * put in and take out. On this host the reader is vsmartcard's vpcd (real-pcsc.test.ts); in the
 * QEMU guest (guest-pcsc.ts) it is one of our virtual readers over USB/IP, driven by libccid, with its
 * PIN pad — the same scenarios, other desks.
 */
import { expect } from 'vitest';
import type { Outcome } from '../../src/card';
import { changePin, checkCard, pinpadSource, resetPin, screenSource, verifyPin, type FlowContext, type PinSource } from '../../src/flows';
import { PcscReaderGoneError, PcscSharingViolationError, PcscSlot, type SmartCardContext, type SmartCardResourceManager } from '../../src/pcsc';
import { createCasConsole, createVirtualEcard, type VirtualEcard, type VirtualPinpad } from '../../src/sim';
import { messageFor } from '../../src/ui/error-messages';
import { en } from '../../src/ui/i18n/en';
import { ro } from '../../src/ui/i18n/ro';
import type { MessageKey } from '../../src/ui/i18n';

export interface RealDesk {
  /** createSmartCardResourceManager(startPyscardBridge().backend). */
  readonly manager: SmartCardResourceManager;
  /** The reader's name in pcsc-lite (e.g. "Gemalto PC Pinpad … 00 00" in the guest, "Virtual PCD 00 00" on vpcd). */
  readonly readerName: string;
  /** A context of its own for waiting on the reader's state (cardIs). */
  readonly watcher: SmartCardContext;
  /** Puts `card` in the reader (vpcd: connects it; the guest: the virtual reader's insert). */
  insert(card: VirtualEcard): Promise<void> | void;
  /** Takes the card out. */
  remove(): Promise<void> | void;
  /** The reader's virtual PIN pad, when it has one: entries are scripted on it; else they go to the screen keypad. */
  readonly pinpad: VirtualPinpad | null;
  /**
   * Another application of the same desk (its own PC/SC client: in the guest a second pyscard
   * process); absent: another context of `manager`.
   */
  readonly otherApplication?: SmartCardResourceManager;
  /** Pulls the reader's cable (the guest: the USB/IP export's unplug; the stand-in: detach); absent where the desk cannot. */
  readonly unplug?: () => Promise<void> | void;
  /** Receives the trace lines of the scenarios' slots (operations and response codes, never data). */
  readonly log?: (line: string) => void;
}

/** Runs `work` with a slot on the desk's reader, on a context of its own; the slot is closed after it, whatever happened. */
async function withSlot<T>(desk: RealDesk, work: (slot: PcscSlot) => Promise<T>): Promise<T> {
  const slot = await PcscSlot.open(await desk.manager.establishContext(), desk.readerName, desk.log ? { log: desk.log } : {});
  try {
    return await work(slot);
  } finally {
    await slot.close().catch(() => undefined);
  }
}

const summary = (o: Outcome) => ({ kind: o.kind, code: o.code, triesLeft: o.triesLeft });
const ledger = (card: VirtualEcard) => card.ledger.map((t) => `INS ${t.ins.toString(16)} ${t.ok ? 'ok' : 'wrong'} (${t.triesLeftAfter} left)`).join(', ') || 'empty';

/** Waits until pcscd reports the card in (true) or out (false) on `context`. */
export async function cardIs(context: SmartCardContext, readerName: string, present: boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [state] = await context.getStatusChange([{ readerName, currentState: { unaware: true } }]);
    if (state?.eventState.present === present) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`pcscd never saw the card ${present ? 'in' : 'out'} in ${readerName}`);
}

/** Puts `card` in and waits until pcscd has it. */
async function inserted(desk: RealDesk, card: VirtualEcard): Promise<void> {
  await desk.insert(card);
  await cardIs(desk.watcher, desk.readerName, true);
}

/** Takes the card out and waits until pcscd saw it go. */
async function removed(desk: RealDesk): Promise<void> {
  await desk.remove();
  await cardIs(desk.watcher, desk.readerName, false);
}

/**
 * The error `work` rejects with, checked to be a `type`, and the text the app shows for it (the UI's
 * own mapping, src/ui/error-messages.ts), which must be `key`.
 */
async function refusal<E extends Error>(work: Promise<unknown>, type: new (...args: never[]) => E, key: MessageKey): Promise<{ error: E; shown: { ro: string; en: string } }> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  expect(messageFor(error)).toBe(key);
  return { error: error as E, shown: { ro: ro[key], en: en[key] } };
}

/** A desk's PIN source: the virtual pad's script when the reader has a pad, else a screen keypad fed by `typed`. */
function pins(desk: RealDesk, slot: PcscSlot, typed: string[]): { source: PinSource; type(...entries: string[]): void } {
  const screen = screenSource(async () => typed.shift() ?? null);
  return {
    source: slot.pinpad ? pinpadSource(screen) : screen,
    type: (...entries) => entries.forEach((e) => (slot.pinpad && desk.pinpad ? desk.pinpad.enter(e) : typed.push(e))),
  };
}

export interface NoticeResult {
  /** The report line: reader, PIN source, time, the card's ledger. */
  readonly line: string;
  /** The card the notice ran on (its ledger: every PIN command it received, and the tries left after each). */
  readonly card: VirtualEcard;
}

/** The notice, steps 1–8, through src/flows. */
export async function noticeScenario(desk: RealDesk): Promise<NoticeResult> {
  const card = createVirtualEcard({ state: 'blocked' });
  await inserted(desk, card);
  const cas = createCasConsole(card);
  const line = await withSlot(desk, async (slot) => {
    expect(slot.pinpad).toBe(desk.pinpad !== null);
    const user = pins(desk, slot, []);
    const ctx = (more: Partial<FlowContext> = {}): FlowContext => ({ slot, pins: user.source, confirmLastTry: async () => true, ...more });
    const started = Date.now();
    expect(summary(await checkCard(ctx()))).toMatchObject({ kind: 'blocked', code: -15 });
    cas.unblock();
    user.type('0000');
    expect((await resetPin(ctx({ authority: cas }))).kind).toBe('ok');
    user.type('0000', '4821', '4821');
    expect((await changePin(ctx())).kind).toBe('ok');
    user.type('4821');
    expect((await verifyPin(ctx())).kind).toBe('ok');
    expect(card.hasPin('4821')).toBe(true);
    expect(card.triesConsumed()).toBe(0);
    return `notice on ${desk.readerName} (${slot.pinpad ? 'PIN pad' : 'screen keypad'}) in ${Date.now() - started} ms; card ledger: ${ledger(card)}; tries consumed ${card.triesConsumed()}`;
  });
  await removed(desk);
  return { line, card };
}

/**
 * Removal while the PIN is asked: -8; a swap: -61; no PIN reaches either card. Returns the report
 * line. On a PIN pad the user is at the prompt when it happens, then finishes typing. Nothing is
 * awaited from the PC/SC stack meanwhile: pcsc-lite holds the reader for the SCardControl of the
 * entry, so it reports the card's move only once the entry is over (seen in the QEMU guest with
 * libccid; the stand-in does the same).
 */
export async function removalScenario(desk: RealDesk): Promise<string> {
  const first = createVirtualEcard({ state: 'active', pin: '1234' });
  await inserted(desk, first);
  const line = await withSlot(desk, async (slot) => {
    /** `during(onPad)` happens while the PIN is asked, then the user finishes typing. */
    const meanwhile = async (during: (onPad: boolean) => Promise<void>): Promise<Outcome> => {
      const screen = screenSource(async () => {
        await during(false);
        return '1234';
      });
      if (!slot.pinpad || !desk.pinpad) return verifyPin({ slot, pins: screen, confirmLastTry: async () => true });
      const pad = desk.pinpad;
      let problem: unknown = null;
      const off = pad.onPrompt((prompt) => {
        if (!prompt) return;
        off();
        void during(true)
          .catch((error: unknown) => (problem = error))
          .finally(() => [...'1234', 'ok'].forEach((key) => pad.press(key as '1')));
      });
      const outcome = await verifyPin({ slot, pins: pinpadSource(screen), confirmLastTry: async () => true });
      if (problem) throw problem;
      return outcome;
    };
    const outcomeRemoved = await meanwhile(async (onPad) => {
      if (onPad) await desk.remove();
      else await removed(desk);
  });
  expect(summary(outcomeRemoved)).toMatchObject({ kind: 'no-card', code: -8 });
  expect(first.ledger).toEqual([]);

  await inserted(desk, first);
  const second = createVirtualEcard({ state: 'active', pin: '1234' });
  const outcomeSwapped = await meanwhile(async (onPad) => {
    if (onPad) {
      await desk.remove();
      await desk.insert(second);
      return;
    }
    await removed(desk);
    await inserted(desk, second);
  });
  expect(summary(outcomeSwapped)).toMatchObject({ kind: 'card-swapped', code: -61 });
  expect(first.ledger).toEqual([]);
  expect(second.ledger).toEqual([]);
  return `removal mid-operation → ${outcomeRemoved.code}, swap → ${outcomeSwapped.code}, PIN tries spent 0`;
  });
  await removed(desk);
  return line;
}

/**
 * Cancel, then a timeout, on the reader's PIN pad: each ends the flow without a try spent and
 * without asking again (no retry, no fallback to the screen); then an entry works, so the reader
 * and the driver are still in step (on TPDU T=1: the block sequence numbers).
 */
export async function padRefusalScenario(desk: RealDesk): Promise<string> {
  const pad = desk.pinpad;
  if (!pad) throw new Error('this desk has no PIN pad');
  const card = createVirtualEcard({ state: 'active', pin: '1234' });
  await inserted(desk, card);
  const line = await withSlot(desk, async (slot) => {
    const screen = screenSource(async () => {
      throw new Error('the screen keypad was asked after a PIN pad refusal');
    });
    const ctx: FlowContext = { slot, pins: pinpadSource(screen), confirmLastTry: async () => true };
    pad.cancel();
    const cancelled = await verifyPin(ctx);
    expect(summary(cancelled)).toMatchObject({ kind: 'entry-cancelled' });
    pad.timeout();
    const timedOut = await verifyPin(ctx);
    expect(summary(timedOut)).toMatchObject({ kind: 'timeout' });
    expect(card.ledger).toEqual([]);
    pad.enter('1234');
    expect((await verifyPin(ctx)).kind).toBe('ok');
    expect(card.triesConsumed()).toBe(0);
    return `cancel on the pad → ${cancelled.kind} (${cancelled.code}), timeout → ${timedOut.kind} (${timedOut.code}), then an entry → ok; card ledger: ${ledger(card)}`;
  });
  await removed(desk);
  return line;
}

export interface SharingResult {
  readonly line: string;
  /** What the app shows for the refusal (src/ui/error-messages.ts), in Romanian and English. */
  readonly shown: { readonly ro: string; readonly en: string };
}

/**
 * Another application holds the reader exclusively: a sharing violation, told in plain words (the
 * UI's own error → message mapping); ours, once in, keeps others out.
 */
export async function sharingScenario(desk: RealDesk): Promise<SharingResult> {
  await inserted(desk, createVirtualEcard({ state: 'active' }));
  const other = await (desk.otherApplication ?? desk.manager).establishContext();
  const held = await other.connect(desk.readerName, 'exclusive', { preferredProtocols: ['t1', 't0'] });
  let holding = true;
  const result = await withSlot(desk, async (slot) => {
    const ctx: FlowContext = { slot, pins: screenSource(async () => null), confirmLastTry: async () => false };
    const { error, shown } = await refusal(checkCard(ctx), PcscSharingViolationError, 'errPcscSharing');
    expect(shown.ro).toContain('Alt program folosește acum cititorul');
    expect(shown.en).toContain('Another program is using the reader');
    await held.connection.disconnect('leave');
    holding = false;
    expect((await checkCard(ctx)).kind).toBe('tries-left');
    await expect(other.connect(desk.readerName, 'shared', { preferredProtocols: ['t1', 't0'] })).rejects.toMatchObject({ responseCode: 'sharing-violation' });
    return { line: `another program holding the reader → ${error.name} (${error.failure}) → errPcscSharing`, shown };
  }).finally(() => (holding ? held.connection.disconnect('leave').catch(() => undefined) : undefined));
  await removed(desk);
  return result;
}

export interface UnplugResult {
  readonly line: string;
  /** The outcome's official code (-9). */
  readonly code: Outcome['code'];
  /** The card's ledger after it: no PIN command reached it. */
  readonly ledger: string;
  /** What the app shows (src/ui/error-messages.ts) for the typed error the slot gives afterwards. */
  readonly shown: { readonly ro: string; readonly en: string };
}

/**
 * The reader's cable pulled while the PIN is asked (on the pad: the reader waits for the keys; on
 * the screen: the keypad is open): -9, no try spent, and every later call on the slot says the
 * reader is gone. The desk cannot use the reader afterwards.
 */
export async function unplugScenario(desk: RealDesk): Promise<UnplugResult> {
  const unplug = desk.unplug;
  if (!unplug) throw new Error('this desk cannot pull the reader\'s cable');
  const card = createVirtualEcard({ state: 'active', pin: '1234' });
  await inserted(desk, card);
  return withSlot(desk, async (slot) => {
    const screen = screenSource(async () => {
      await unplug();
      return '1234';
    });
    let pins = screen;
    const onPad = slot.pinpad && desk.pinpad !== null;
    if (onPad && desk.pinpad) {
      const pad = desk.pinpad;
      // The reader goes while its display asks; nobody types on a reader without power.
      const off = pad.onPrompt((prompt) => {
        if (!prompt) return;
        off();
        void unplug();
      });
      pins = pinpadSource(screen);
    }
    const started = Date.now();
    const outcome = await verifyPin({ slot, pins, confirmLastTry: async () => true });
    const ms = Date.now() - started;
    expect(summary(outcome)).toMatchObject({ kind: 'reader-not-connected', code: -9 });
    // Gone while the PIN was asked: the app cannot know whether the card got the command, and says so.
    expect(outcome.pinCommandUnanswered).toBe(true);
    expect(card.ledger).toEqual([]);
    const { error, shown } = await refusal(slot.powerOn(), PcscReaderGoneError, 'errPcscReaderGone');
    return {
      line: `reader unplugged while the ${onPad ? 'PIN pad' : 'screen keypad'} asked → ${outcome.code} in ${ms} ms; then ${error.failure} → errPcscReaderGone; card ledger: ${ledger(card)}`,
      code: outcome.code,
      ledger: ledger(card),
      shown,
    };
  });
}

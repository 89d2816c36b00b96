/**
 * What the real-stack suites prove, written once over a "desk": a reader of a real pcsc-lite
 * reached through the Web Smart Card API stand-in (pyscard-backend.ts), whose card the test can
 * put in and take out. On this host the reader is vsmartcard's vpcd (real-pcsc.test.ts); in the
 * QEMU guest (phase 2) it is one of our virtual readers over USB/IP, driven by libccid, with its
 * PIN pad — the same scenarios, other desks.
 */
import { expect } from 'vitest';
import type { Outcome } from '../../src/card';
import { changePin, checkCard, pinpadSource, resetPin, screenSource, verifyPin, type FlowContext, type PinSource } from '../../src/flows';
import { PcscSharingViolationError, PcscSlot, type SmartCardContext, type SmartCardResourceManager } from '../../src/pcsc';
import { createCasConsole, createVirtualEcard, type VirtualEcard, type VirtualPinpad } from '../../src/sim';

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

/** A desk's PIN source: the virtual pad's script when the reader has a pad, else a screen keypad fed by `typed`. */
function pins(desk: RealDesk, slot: PcscSlot, typed: string[]): { source: PinSource; type(...entries: string[]): void } {
  const screen = screenSource(async () => typed.shift() ?? null);
  return {
    source: slot.pinpad ? pinpadSource(screen) : screen,
    type: (...entries) => entries.forEach((e) => (slot.pinpad && desk.pinpad ? desk.pinpad.enter(e) : typed.push(e))),
  };
}

/** The notice, steps 1–8, through src/flows; returns the report line. */
export async function noticeScenario(desk: RealDesk): Promise<string> {
  const card = createVirtualEcard({ state: 'blocked' });
  await inserted(desk, card);
  const cas = createCasConsole(card);
  const slot = await PcscSlot.open(await desk.manager.establishContext(), desk.readerName);
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
  const line = `notice on ${desk.readerName} (${slot.pinpad ? 'PIN pad' : 'screen keypad'}) in ${Date.now() - started} ms; card ledger: ${ledger(card)}; tries consumed ${card.triesConsumed()}`;
  await slot.close();
  await removed(desk);
  return line;
}

/**
 * Removal while the PIN is asked: -8; a swap: -61; no PIN reaches either card. Returns the report
 * line. On a PIN pad the user is at the prompt when it happens, then finishes typing; the new card
 * of a swap is not awaited there (the reader is busy with the entry until the keys are pressed).
 */
export async function removalScenario(desk: RealDesk): Promise<string> {
  const first = createVirtualEcard({ state: 'active', pin: '1234' });
  await inserted(desk, first);
  const slot = await PcscSlot.open(await desk.manager.establishContext(), desk.readerName);
  /** `during(onPad)` happens while the PIN is asked, then the user finishes typing. */
  const meanwhile = (during: (onPad: boolean) => Promise<void>): FlowContext => {
    const screen = screenSource(async () => {
      await during(false);
      return '1234';
    });
    if (!slot.pinpad || !desk.pinpad) return { slot, pins: screen, confirmLastTry: async () => true };
    const pad = desk.pinpad;
    const off = pad.onPrompt((prompt) => {
      if (!prompt) return;
      off();
      void during(true).then(() => [...'1234', 'ok'].forEach((key) => pad.press(key as '1')));
    });
    return { slot, pins: pinpadSource(screen), confirmLastTry: async () => true };
  };
  const outcomeRemoved = await verifyPin(meanwhile(() => removed(desk)));
  expect(summary(outcomeRemoved)).toMatchObject({ kind: 'no-card', code: -8 });
  expect(first.ledger).toEqual([]);

  await inserted(desk, first);
  const second = createVirtualEcard({ state: 'active', pin: '1234' });
  const outcomeSwapped = await verifyPin(
    meanwhile(async (onPad) => {
      await removed(desk);
      // pcscd sees the new card on its next poll; the PIN pad's reader only once the entry is over.
      if (onPad) await desk.insert(second);
      else await inserted(desk, second);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }),
  );
  expect(summary(outcomeSwapped)).toMatchObject({ kind: 'card-swapped', code: -61 });
  expect(first.ledger).toEqual([]);
  expect(second.ledger).toEqual([]);
  await slot.close();
  await removed(desk);
  return `removal mid-operation → ${outcomeRemoved.code}, swap → ${outcomeSwapped.code}, PIN tries spent 0`;
}

/** Another application holds the reader exclusively: a sharing violation; ours, once in, keeps others out. */
export async function sharingScenario(desk: RealDesk): Promise<string> {
  await inserted(desk, createVirtualEcard({ state: 'active' }));
  const other = await desk.manager.establishContext();
  const held = await other.connect(desk.readerName, 'exclusive', { preferredProtocols: ['t1', 't0'] });
  const slot = await PcscSlot.open(await desk.manager.establishContext(), desk.readerName);
  const ctx: FlowContext = { slot, pins: screenSource(async () => null), confirmLastTry: async () => false };
  const refused = await checkCard(ctx).then(
    () => null,
    (error: unknown) => error,
  );
  expect(refused).toBeInstanceOf(PcscSharingViolationError);
  await held.connection.disconnect('leave');
  expect((await checkCard(ctx)).kind).toBe('tries-left');
  await expect(other.connect(desk.readerName, 'shared', { preferredProtocols: ['t1', 't0'] })).rejects.toMatchObject({ responseCode: 'sharing-violation' });
  await slot.close();
  await removed(desk);
  return `another program holding the reader → ${(refused as PcscSharingViolationError).name} (${(refused as PcscSharingViolationError).failure})`;
}

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CcidReader, type CcidSlot } from '../../src/ccid';
import type { Outcome } from '../../src/card';
import { activateCard, changePin, checkCard, pinpadSource, resetPin, screenSource, theOnlyReader, verifyPin, type FlowContext, type PinPrompt, type PinSource } from '../../src/flows';
import { createCasConsole, createVirtualEcard, type VirtualEcard, type VirtualEcardOptions, type VirtualReader } from '../../src/sim';
import { runNotice } from '../support/notice';
import { virtualReader } from '../support/readers';

/** Three kinds of desk: PIN-pad TPDU reader, PIN-pad APDU reader, no PIN pad (screen keypad). */
const DESKS = [
  { name: 'GemPC Pinpad (TPDU, PIN pad)', file: 'GemPCPinpad.txt', pinpad: true },
  { name: 'OMNIKEY CardMan 3821 (short APDU, PIN pad)', file: 'CardMan3821.txt', pinpad: true },
  { name: 'GemPC Twin (TPDU, no PIN pad: screen keypad)', file: 'GemPCTwin.txt', pinpad: false },
] as const;

interface Desk {
  readonly virtual: VirtualReader;
  readonly card: VirtualEcard;
  readonly slot: CcidSlot;
  readonly reader: CcidReader;
  /** The user's next entries, typed on the PIN pad or the screen keypad, in order. */
  type(...entries: (string | 'cancel' | 'timeout')[]): void;
  context(options?: Partial<FlowContext>): FlowContext;
  readonly lastTryWarnings: number;
}

async function desk(file: string, pinpad: boolean, card: VirtualEcardOptions): Promise<Desk> {
  const virtual = virtualReader(file, pinpad ? { pinpad: true } : {});
  const ecard = createVirtualEcard(card);
  virtual.insert(ecard);
  const reader = await CcidReader.open(virtual.device);
  const slot = reader.slots[0]!;
  const queue: (string | 'cancel' | 'timeout')[] = [];
  let warnings = 0;
  const screen = screenSource(async (_prompt: PinPrompt) => {
    const next = queue.shift();
    return next === undefined || next === 'cancel' || next === 'timeout' ? null : next;
  });
  const pins: PinSource = pinpad ? pinpadSource(screen) : screen;
  return {
    virtual,
    card: ecard,
    slot,
    reader,
    get lastTryWarnings() {
      return warnings;
    },
    type(...entries) {
      for (const entry of entries) {
        if (!pinpad) queue.push(entry);
        else if (entry === 'cancel') virtual.pinpad?.cancel();
        else if (entry === 'timeout') virtual.pinpad?.timeout();
        else virtual.pinpad?.enter(entry);
      }
    },
    context(options = {}) {
      return {
        slot,
        pins,
        confirmLastTry: async () => {
          warnings++;
          return true;
        },
        ...options,
      };
    },
  };
}

const summary = (o: Outcome) => ({ kind: o.kind, code: o.code, triesLeft: o.triesLeft, casNeeds: o.casNeeds });

describe.each(DESKS)('the notice, steps 1–8, on $name', ({ file, pinpad }) => {
  it('blocked card → CAS unblock → Reset PIN eCard with 0000 → Schimbă PIN eCard → the new PIN verifies', async () => {
    const d = await desk(file, pinpad, { state: 'blocked' });
    await runNotice(d);
    expect(d.virtual.violations()).toEqual([]);
  });
});

describe('what the provider is told', () => {
  it('blocked: -15, the CAS needs the CID; invalid: -17, the CAS needs the card number', async () => {
    const blocked = await desk('CardMan3821.txt', true, { state: 'blocked' });
    expect(summary(await checkCard(blocked.context()))).toMatchObject({ code: -15, casNeeds: 'CID' });
    const invalid = await desk('CardMan3821.txt', true, { state: 'invalid' });
    expect(summary(await checkCard(invalid.context()))).toMatchObject({ code: -17, casNeeds: 'card number' });
  });

  it('reset on a card that is not blocked: -37, and no RESET reaches the card', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'active' });
    expect((await resetPin(d.context())).code).toBe(-37);
    expect(d.virtual.pinpad?.sentToCard ?? []).toEqual([]);
  });

  it('reset before the CAS unblocked: the authority says no → -36 without touching the PIN', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'blocked' });
    const cas = createCasConsole(d.card);
    expect((await resetPin(d.context({ authority: cas }))).code).toBe(-36);
    expect(d.virtual.pinpad?.prompts ?? []).toEqual([]);
  });

  it('reset with no authority known: the card refuses (6982) → -36', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'blocked' });
    d.type('0000');
    expect((await resetPin(d.context())).code).toBe(-36);
  });

  it('activation: transport PIN (3 digits) → own PIN', async () => {
    const d = await desk('GemPCTwin.txt', false, { state: 'transport' });
    expect((await checkCard(d.context())).code).toBe(-21);
    d.type('000', '2468', '2468');
    expect((await activateCard(d.context())).kind).toBe('ok');
    expect(d.card.hasPin('2468')).toBe(true);
  });
});

describe('PIN safety', () => {
  it.each(['cancel', 'timeout'] as const)('a %s on the PIN pad costs no try', async (what) => {
    const d = await desk('GemPCPinpad.txt', true, { state: 'active', pin: '1234' });
    d.type(what);
    const outcome = await verifyPin(d.context());
    expect(['entry-cancelled', 'timeout']).toContain(outcome.kind);
    expect(d.card.triesConsumed()).toBe(0);
    expect(d.card.ledger).toEqual([]);
  });

  it('"PINs differ" on the PIN pad costs no try and changes nothing', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'active', pin: '1234' });
    d.type('1234', '5555', '5556');
    expect((await changePin(d.context())).kind).toBe('pins-differ');
    expect(d.card.ledger).toEqual([]);
    expect(d.card.hasPin('1234')).toBe(true);
  });

  it('"PINs differ" on the screen keypad costs no try and sends nothing', async () => {
    const d = await desk('GemPCTwin.txt', false, { state: 'active', pin: '1234' });
    d.type('1234', '5555', '5556');
    expect((await changePin(d.context())).kind).toBe('pins-differ');
    expect(d.card.ledger).toEqual([]);
  });

  it('warns before the last try, and a "no" sends nothing', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'active', pin: '1234', triesLeft: 1 });
    const outcome = await verifyPin(d.context({ confirmLastTry: async () => false }));
    expect(outcome.kind).toBe('entry-cancelled');
    expect(d.virtual.pinpad?.prompts ?? []).toEqual([]);
    d.type('1234');
    expect((await verifyPin(d.context())).kind).toBe('ok');
    expect(d.lastTryWarnings).toBe(1);
  });

  it('a wrong PIN costs one try and says how many are left', async () => {
    const d = await desk('GemPCPinpad.txt', true, { state: 'active', pin: '1234' });
    d.type('9999');
    expect(summary(await verifyPin(d.context()))).toMatchObject({ kind: 'wrong-pin', code: -14, triesLeft: 4 });
    expect(d.card.triesConsumed()).toBe(1);
  });

  it('a card pulled out mid-change: -8, and the PIN is unchanged or fully changed, never half', async () => {
    const d = await desk('GemPCTwin.txt', false, { state: 'active', pin: '1234' });
    const ctx = d.context({
      pins: screenSource(async (prompt) => {
        if (prompt === 'confirm') d.virtual.remove();
        return prompt === 'current' ? '1234' : '7777';
      }),
    });
    const outcome = await changePin(ctx);
    expect(outcome.code).toBe(-8);
    expect(d.card.hasPin('1234') || d.card.hasPin('7777')).toBe(true);
  });

  it('a card swapped during a flow: -61', async () => {
    const d = await desk('GemPCTwin.txt', false, { state: 'active', pin: '1234' });
    const ctx = d.context({
      pins: screenSource(async () => {
        d.virtual.remove();
        d.virtual.insert(createVirtualEcard({ state: 'active' }));
        await new Promise((r) => setTimeout(r, 5));
        return '1234';
      }),
    });
    expect((await verifyPin(ctx)).code).toBe(-61);
  });
});

describe('tries consumed == wrong PINs the user entered (fast-check, seed 4242)', () => {
  it('holds over 10,000 random sequences of user actions', async () => {
    const d = await desk('CardMan3821.txt', false, { state: 'active', pin: '1234' });
    const action = fc.oneof(
      fc.record({ flow: fc.constant('verify' as const), pin: fc.constantFrom('1234', '0000', '9999'), cancel: fc.boolean() }),
      fc.record({ flow: fc.constant('change' as const), pin: fc.constantFrom('1234', '5678'), cancel: fc.boolean(), differ: fc.boolean() }),
      fc.record({ flow: fc.constant('check' as const) }),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 4 }), async (actions) => {
        const card = createVirtualEcard({ state: 'active', pin: '1234' });
        // A fresh card per sequence; wait for the reader's insert notice so no flow sees the swap.
        const settled = new Promise<void>((resolve) => {
          const stop = d.reader.on('slotchange', (c) => c.present && (stop(), resolve()));
        });
        d.virtual.remove();
        d.virtual.insert(card);
        await settled;
        let pin = '1234';
        let wrongEntered = 0;
        const answers: (string | null)[] = [];
        const ctx = d.context({ pins: screenSource(async () => answers.shift() ?? null) });
        for (const a of actions) {
          if (a.flow === 'check') {
            await checkCard(ctx);
            continue;
          }
          if (card.state() === 'blocked') break;
          if (a.cancel) {
            answers.push(null);
          } else if (a.flow === 'verify') {
            answers.push(a.pin);
            if (a.pin !== pin) wrongEntered++;
          } else {
            answers.push(a.pin, '4321', a.differ ? '4320' : '4321');
            if (!a.differ) {
              if (a.pin !== pin) wrongEntered++;
              else pin = '4321';
            }
          }
          const outcome = a.flow === 'verify' ? await verifyPin(ctx) : await changePin(ctx);
          answers.length = 0;
          expect(outcome.kind).not.toBe('unexpected-answer');
        }
        runs++;
        expect(card.triesConsumed()).toBe(wrongEntered);
      }),
      { seed: 4242, numRuns: 10_000 },
    );
    expect(runs).toBe(10_000);
  }, 300_000);
});

describe('which reader', () => {
  it('needs exactly one: none → -9, several → -10', () => {
    expect(theOnlyReader([])).toMatchObject({ code: -9 });
    expect(theOnlyReader(['a', 'b'])).toMatchObject({ code: -10 });
    expect(theOnlyReader(['a'])).toBe('a');
  });
});

describe('the reader unplugged mid-flow', () => {
  it('in the PIN step: -9, and the outcome says the card may have done the command; outside it: -9 only', async () => {
    const d = await desk('GemPCPinpad.txt', true, { state: 'active', pin: '1234' });
    const pad = d.virtual.pinpad;
    if (!pad) throw new Error('GemPC Pinpad without its PIN pad');
    const off = pad.onPrompt((prompt) => {
      if (!prompt) return;
      off();
      d.virtual.unplug();
    });
    const during = await changePin(d.context());
    expect(summary(during)).toMatchObject({ kind: 'reader-not-connected', code: -9 });
    expect(during.pinCommandUnanswered).toBe(true);
    expect(d.card.ledger).toEqual([]);
    const after = await checkCard(d.context());
    expect(summary(after)).toMatchObject({ kind: 'reader-not-connected', code: -9 });
    expect(after.pinCommandUnanswered).toBeUndefined();
  });
});

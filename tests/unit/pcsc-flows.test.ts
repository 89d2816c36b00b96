/**
 * The flows through the PC/SC transport (src/pcsc PcscSlot over the Web Smart Card API), on the
 * stand-in for pcsc-lite + libccid in front of the simulator: the same notice, the same outcomes
 * and the same PIN safety as over CCID (tests/unit/flows.test.ts), plus what only PC/SC has: the
 * part 10 feature list, the PIN structures through control(), another program holding the reader.
 */
import { describe, it, expect } from 'vitest';
import type { Outcome } from '../../src/card';
import { activateCard, changePin, checkCard, pinpadSource, screenSource, verifyPin, type FlowContext, type PinSource } from '../../src/flows';
import { PcscCardAbsentError, PcscReaderGoneError, PcscSharingViolationError } from '../../src/pcsc';
import { Feature } from '../../src/pcsc/features';
import { createVirtualEcard, type VirtualEcardOptions, type VirtualPinpadOptions } from '../../src/sim';
import { runNotice } from '../support/notice';
import { pcscDesk, type PcscDesk } from '../support/pcsc-desk';

const READERS = [
  { name: 'GemPC Pinpad (TPDU T=1, PIN pad)', file: 'GemPCPinpad.txt', pinpad: true },
  { name: 'OMNIKEY CardMan 3821 (short APDU, PIN pad)', file: 'CardMan3821.txt', pinpad: true },
  { name: 'GemPC Twin (TPDU, no PIN pad: screen keypad)', file: 'GemPCTwin.txt', pinpad: false },
] as const;

const VERIFY_CODE = 0x42330006;
const MODIFY_CODE = 0x42330007;
/** The structures the app sends for the eCard (src/pcsc/pin-structures.spec.ts decodes them field by field). */
const VERIFY_0020 = '1E 1E 82 04 00 04 04 02 01 09 04 00 00 00 00 09 00 00 00 00 20 00 01 04 00 00 00 00';
const RESET_002C = '1E 1E 82 04 00 04 04 02 01 09 04 00 00 00 00 09 00 00 00 00 2C 02 01 04 00 00 00 00';
const CHANGE_0024 = '1E 1E 82 04 00 00 04 04 04 03 02 03 09 04 00 01 02 00 00 00 0D 00 00 00 00 24 00 01 08 00 00 00 00 00 00 00 00';

interface Desk extends PcscDesk {
  type(...entries: (string | 'cancel' | 'timeout')[]): void;
  context(options?: Partial<FlowContext>): FlowContext;
}

async function desk(file: string, pinpad: boolean | VirtualPinpadOptions, card: VirtualEcardOptions): Promise<Desk> {
  const d = await pcscDesk(file, { pinpad, card });
  const queue: string[] = [];
  const screen = screenSource(async () => queue.shift() ?? null);
  const pins: PinSource = d.slot.pinpad ? pinpadSource(screen) : screen;
  return {
    ...d,
    type(...entries) {
      for (const entry of entries) {
        if (!d.virtual.pinpad) queue.push(entry);
        else if (entry === 'cancel') d.virtual.pinpad.cancel();
        else if (entry === 'timeout') d.virtual.pinpad.timeout();
        else d.virtual.pinpad.enter(entry);
      }
    },
    context(options = {}) {
      return { slot: d.slot, pins, confirmLastTry: async () => true, ...options };
    },
  };
}

const summary = (o: Outcome) => ({ kind: o.kind, code: o.code, triesLeft: o.triesLeft, casNeeds: o.casNeeds });
const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(READERS)('the notice, steps 1–8, over PC/SC on $name', ({ file, pinpad }) => {
  it('blocked card → CAS unblock → Reset PIN eCard with 0000 → Schimbă PIN eCard → the new PIN verifies', async () => {
    const d = await desk(file, pinpad, { state: 'blocked' });
    expect(d.slot.pinpad).toBe(pinpad);
    await runNotice(d);
    expect(d.virtual.violations()).toEqual([]);
    expect(d.overlaps).toEqual([]);
    const pinEntries = d.controls.filter((c) => c.code === VERIFY_CODE || c.code === MODIFY_CODE).map(({ code, dataHex }) => ({ code, dataHex }));
    if (pinpad) {
      // One control() per PIN entry, exactly the structures of PC/SC part 10 §2.5.2 / §2.5.3.
      expect(pinEntries).toEqual([
        { code: VERIFY_CODE, dataHex: RESET_002C },
        { code: MODIFY_CODE, dataHex: CHANGE_0024 },
        { code: VERIFY_CODE, dataHex: VERIFY_0020 },
      ]);
    } else {
      expect(pinEntries).toEqual([]);
    }
  });
});

describe('the reader as PC/SC part 10 describes it', () => {
  it('reads the feature list and the USB identity before any card is powered (direct connection)', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'active' });
    expect(d.slot.info.features?.get(Feature.verifyPinDirect)).toBe(VERIFY_CODE);
    expect(d.slot.info.features?.get(Feature.modifyPinDirect)).toBe(MODIFY_CODE);
    expect([d.slot.info.vendorId, d.slot.info.productId]).toEqual([0x076b, 0x3821]);
    expect(d.controls.map((c) => c.code)).toEqual([0x42000d48, 0x42330012]);
  });

  it('a reader without PIN pad lists no PIN features: the screen keypad asks', async () => {
    const d = await desk('GemPCTwin.txt', false, { state: 'active', pin: '1234' });
    expect(d.slot.pinpad).toBe(false);
    await expect(d.slot.verifyPinOnPinpad({ apduHeader: Uint8Array.of(0, 0x20, 0, 1), pinLength: { min: 4, max: 4 }, timeoutSeconds: 30 })).rejects.toMatchObject({
      name: 'PinPadUnavailableError',
      reason: 'no-pinpad',
    });
    d.type('1234');
    expect((await verifyPin(d.context())).kind).toBe('ok');
  });

  it('activation on a PIN pad reader: 3-digit transport PIN and 4-digit PIN do not fit one structure, so the screen asks', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'transport' });
    const typed: string[] = ['000', '2468', '2468'];
    const ctx = d.context({ pins: pinpadSource(screenSource(async () => typed.shift() ?? null)) });
    expect((await activateCard(ctx)).kind).toBe('ok');
    expect(d.card.hasPin('2468')).toBe(true);
    expect(d.controls.filter((c) => c.code === MODIFY_CODE)).toEqual([]);
  });
});

describe('PIN safety over PC/SC', () => {
  it.each([
    ['cancel', 'bError EF (libccid: SW 6401)', {}],
    ['timeout', 'bError F0 (libccid: SW 6400)', {}],
    ['cancel', 'the reader says SW 6401 itself', { refusals: 'status-word' }],
    ['timeout', 'the reader says SW 6400 itself', { refusals: 'status-word' }],
  ] as const)('a %s on the PIN pad (%s) costs no try and is not retried', async (what, _how, options) => {
    const d = await desk('GemPCPinpad.txt', options, { state: 'active', pin: '1234' });
    d.type(what);
    const outcome = await verifyPin(d.context());
    expect(outcome.kind).toBe(what === 'cancel' ? 'entry-cancelled' : 'timeout');
    expect(d.card.ledger).toEqual([]);
    expect(d.controls.filter((c) => c.code === VERIFY_CODE)).toHaveLength(1);
  });

  it('a wrong PIN on the pad costs one try and says how many are left', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'active', pin: '1234' });
    d.type('9999');
    expect(summary(await verifyPin(d.context()))).toMatchObject({ kind: 'wrong-pin', code: -14, triesLeft: 4 });
    expect(d.card.triesConsumed()).toBe(1);
  });

  it('"PINs differ" on the pad costs no try', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'active', pin: '1234' });
    d.type('1234', '5555', '5556');
    expect((await changePin(d.context())).kind).toBe('pins-differ');
    expect(d.card.ledger).toEqual([]);
  });
});

describe('card and reader events over PC/SC', () => {
  it('no card: -8, as over CCID', async () => {
    const d = await desk('GemPCTwin.txt', false, { state: 'active' });
    d.virtual.remove();
    await settle();
    expect((await checkCard(d.context())).code).toBe(-8);
  });

  it('the card pulled out while the PIN pad waits: -8, no try spent', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'active', pin: '1234' });
    const pad = d.virtual.pinpad;
    const off = pad?.onPrompt((prompt) => {
      if (!prompt) return;
      d.virtual.remove();
      // The user finishes typing on the pad; the reader then finds no card to send the PIN to.
      setTimeout(() => [...'1234'].concat('ok').forEach((key) => pad.press(key as '1')), 5);
    });
    const outcome = await verifyPin(d.context());
    off?.();
    expect(outcome.code).toBe(-8);
    expect(d.card.ledger).toEqual([]);
  });

  it('the card swapped while the screen keypad asks: -61, and the PIN never reaches the other card', async () => {
    const d = await desk('GemPCTwin.txt', false, { state: 'active', pin: '1234' });
    const other = createVirtualEcard({ state: 'active', pin: '1234' });
    const ctx = d.context({
      pins: screenSource(async () => {
        d.virtual.remove();
        d.virtual.insert(other);
        await settle(60);
        return '1234';
      }),
    });
    expect((await verifyPin(ctx)).code).toBe(-61);
    expect(other.ledger).toEqual([]);
    expect(d.card.ledger).toEqual([]);
  });

  it('the reader unplugged mid-flow, the PIN typed once pcscd dropped it: -9 (not the card removal pcscd reported first)', async () => {
    const d = await desk('GemPCTwin.txt', false, { state: 'active', pin: '1234' });
    const seen: boolean[] = [];
    d.slot.onCardChange((present) => seen.push(present));
    const ctx = d.context({
      pins: screenSource(async () => {
        await settle(150); // the keypad is open, the slot watches the reader
        d.sim.detach(d.readerName);
        while (d.sim.readerNames.includes(d.readerName)) await settle(5);
        await settle();
        return '1234';
      }),
    });
    expect((await verifyPin(ctx)).code).toBe(-9);
    expect(seen).toEqual([false]);
    expect(d.card.ledger).toEqual([]);
  });

  it('a reader pcscd dropped while nobody watched: the next command says the reader is gone, not "refused"', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'active' });
    expect((await checkCard(d.context())).kind).toBe('tries-left');
    d.sim.detach(d.readerName);
    await settle(100);
    // pcsc-lite answers SCARD_E_INVALID_VALUE ("UnknownError") on the old handle; the slot looks at the reader.
    await expect(d.slot.transmit(Uint8Array.of(0, 0xa4, 0, 0))).rejects.toBeInstanceOf(PcscReaderGoneError);
  });

  it('tells listeners when the card goes and comes, and the watch never overlaps an operation', async () => {
    const d = await desk('GemPCTwin.txt', false, { state: 'active' });
    const seen: boolean[] = [];
    const stop = d.slot.onCardChange((present) => seen.push(present));
    await settle();
    d.virtual.remove();
    await settle();
    d.virtual.insert(createVirtualEcard({ state: 'blocked' }));
    await settle();
    expect(seen).toEqual([false, true]);
    // Operations while the watch waits: each one aborts it first (the spec's InvalidStateError otherwise).
    const outcomes = await Promise.all([checkCard(d.context()), d.slot.status(), d.slot.status()]);
    expect(outcomes[0].code).toBe(-15);
    stop();
    expect(d.overlaps).toEqual([]);
  });
});

describe('another program and the PC/SC stack', () => {
  it('another program holding the reader exclusively: a sharing violation, told as such', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'active' });
    const release = await d.sim.holdExclusive(d.readerName);
    await expect(checkCard(d.context())).rejects.toBeInstanceOf(PcscSharingViolationError);
    release();
    expect((await checkCard(d.context())).kind).toBe('tries-left');
  });

  it('our exclusive connection keeps other programs out while a flow works', async () => {
    const d = await desk('CardMan3821.txt', true, { state: 'active' });
    expect((await checkCard(d.context())).kind).toBe('tries-left');
    await expect(d.sim.holdExclusive(d.readerName)).rejects.toThrow(/0x8010000b/);
  });

  it('a card gone between checks answers W_REMOVED_CARD on the old connection; the slot tells -8 first', async () => {
    const d = await desk('GemPCTwin.txt', false, { state: 'active' });
    expect((await checkCard(d.context())).kind).toBe('tries-left');
    d.virtual.remove();
    await expect(d.slot.transmit(Uint8Array.of(0, 0xa4, 0, 0))).rejects.toBeInstanceOf(PcscCardAbsentError);
  });
});

describe('PIN hygiene of the PC/SC transport', () => {
  it('its trace holds operations, lengths and response codes, never a PIN typed on the screen', async () => {
    const lines: string[] = [];
    const d = await pcscDesk('GemPCTwin.txt', { card: { state: 'active', pin: '4821' }, slot: { log: (line) => lines.push(line) } });
    const ctx: FlowContext = { slot: d.slot, pins: screenSource(async () => '4821'), confirmLastTry: async () => true };
    expect((await verifyPin(ctx)).kind).toBe('ok');
    expect(lines.some((line) => line.includes('transmit'))).toBe(true);
    const text = lines.join('\n');
    for (const needle of ['4821', '34 38 32 31', '34383231']) expect(text).not.toContain(needle);
  });
});

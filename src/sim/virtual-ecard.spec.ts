import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../ccid/bytes';
import { isEcardAtr } from '../card';
import { createReaderT1 } from './reader-t1';
import { VirtualCardConfigError } from './virtual-card';
import { createVirtualEcard, type VirtualEcard, type VirtualEcardOptions, type VirtualEcardState } from './virtual-ecard';
import { decodeT1Block, encodeT1Block, iBlock } from './wire-t1-block';

/** Literal APDUs (independent of src/card's builders); the holder's PIN is 1234 unless said. */
const APDU = {
  selectEcard: '00 A4 04 0C 0B E8 28 BD 08 0F D6 42 00 00 01 01',
  selectOther: '00 A4 04 0C 07 A0 00 00 00 03 10 10',
  verifyRight: '00 20 00 01 04 31 32 33 34',
  verifyWrong: '00 20 00 01 04 39 39 39 39',
  verifyTransport: '00 20 00 01 03 30 30 30',
  triesLeft: '00 20 00 01',
  changeRight: '00 24 00 01 08 31 32 33 34 34 38 32 31',
  changeWrong: '00 24 00 01 08 39 39 39 39 34 38 32 31',
  activate: '00 24 00 01 07 30 30 30 34 38 32 31',
  activateWrong: '00 24 00 01 07 31 31 31 34 38 32 31',
  reset0000: '00 2C 02 01 04 30 30 30 30',
  resetOther: '00 2C 02 01 04 31 31 31 31',
} as const;
type Command = keyof typeof APDU;

const send = (card: VirtualEcard, apdu: string): string => toHex(card.transmitApdu(fromHex(apdu)));

type Setup = 'active' | 'active, 1 try' | 'transport' | 'blocked' | 'blocked, CAS unblocked' | 'invalid';

function cardFor(setup: Setup): VirtualEcard {
  const options: Record<Setup, VirtualEcardOptions> = {
    active: { state: 'active' },
    'active, 1 try': { state: 'active', triesLeft: 1 },
    transport: { state: 'transport' },
    blocked: { state: 'blocked' },
    'blocked, CAS unblocked': { state: 'blocked' },
    invalid: { state: 'invalid' },
  };
  const card = createVirtualEcard(options[setup]);
  send(card, APDU.selectEcard);
  if (setup === 'blocked, CAS unblocked') card.cas.authoriseReset();
  return card;
}

type Row = readonly [setup: Setup, command: Command, sw: string, after: VirtualEcardState, triesAfter: number, consumed: number, pinAfter?: string];

/** Every state × command: answer, state and tries after, tries consumed by the ledger. */
const TABLE: readonly Row[] = [
  ['active', 'selectEcard', '90 00', 'active', 5, 0],
  ['active', 'selectOther', '6A 82', 'active', 5, 0],
  ['active', 'verifyRight', '90 00', 'active', 5, 0],
  ['active', 'verifyWrong', '63 C4', 'active', 4, 1],
  ['active', 'verifyTransport', '67 00', 'active', 5, 0],
  ['active', 'triesLeft', '63 C5', 'active', 5, 0],
  ['active', 'changeRight', '90 00', 'active', 5, 0, '4821'],
  ['active', 'changeWrong', '63 C4', 'active', 4, 1, '1234'],
  ['active', 'activate', '67 00', 'active', 5, 0, '1234'],
  ['active', 'reset0000', '69 85', 'active', 5, 0, '1234'],
  ['active', 'resetOther', '69 85', 'active', 5, 0, '1234'],
  ['active, 1 try', 'verifyWrong', '63 C0', 'blocked', 0, 1],
  ['active, 1 try', 'verifyRight', '90 00', 'active', 5, 0],
  ['active, 1 try', 'triesLeft', '63 C1', 'active', 1, 0],
  ['active, 1 try', 'changeWrong', '63 C0', 'blocked', 0, 1, '1234'],
  ['active, 1 try', 'changeRight', '90 00', 'active', 5, 0, '4821'],
  ['active, 1 try', 'reset0000', '69 85', 'active', 1, 0],
  ['transport', 'selectEcard', '90 00', 'transport', 5, 0],
  ['transport', 'verifyRight', '69 84', 'transport', 5, 0],
  ['transport', 'verifyTransport', '69 84', 'transport', 5, 0],
  ['transport', 'triesLeft', '69 84', 'transport', 5, 0],
  ['transport', 'activate', '90 00', 'active', 5, 0, '4821'],
  ['transport', 'activateWrong', '63 C4', 'transport', 4, 1, '000'],
  ['transport', 'changeRight', '67 00', 'transport', 5, 0, '000'],
  ['transport', 'reset0000', '69 85', 'transport', 5, 0, '000'],
  ['blocked', 'selectEcard', '90 00', 'blocked', 0, 0],
  ['blocked', 'verifyRight', '69 83', 'blocked', 0, 0],
  ['blocked', 'verifyWrong', '69 83', 'blocked', 0, 0],
  ['blocked', 'triesLeft', '69 83', 'blocked', 0, 0],
  ['blocked', 'changeRight', '69 83', 'blocked', 0, 0, '1234'],
  ['blocked', 'activate', '69 83', 'blocked', 0, 0, '1234'],
  ['blocked', 'reset0000', '69 82', 'blocked', 0, 0, '1234'],
  ['blocked', 'resetOther', '69 82', 'blocked', 0, 0, '1234'],
  ['blocked, CAS unblocked', 'verifyRight', '69 83', 'blocked', 0, 0],
  ['blocked, CAS unblocked', 'reset0000', '90 00', 'active', 5, 0, '0000'],
  ['blocked, CAS unblocked', 'resetOther', '6A 80', 'blocked', 0, 0, '1234'],
  ['invalid', 'selectEcard', '62 83', 'invalid', 5, 0],
  ['invalid', 'selectOther', '62 83', 'invalid', 5, 0],
  ['invalid', 'verifyRight', '62 83', 'invalid', 5, 0],
  ['invalid', 'verifyWrong', '62 83', 'invalid', 5, 0],
  ['invalid', 'triesLeft', '62 83', 'invalid', 5, 0],
  ['invalid', 'changeRight', '62 83', 'invalid', 5, 0, '1234'],
  ['invalid', 'activate', '62 83', 'invalid', 5, 0, '1234'],
  ['invalid', 'reset0000', '62 83', 'invalid', 5, 0, '1234'],
];

describe('createVirtualEcard', () => {
  describe('every state × command', () => {
    const rows = TABLE.map(([setup, command, sw, after, triesAfter, consumed, pinAfter]) => ({ setup, command, sw, after, triesAfter, consumed, pinAfter }));
    it.each(rows)('$setup card, $command → $sw, then $after with $triesAfter tries, $consumed consumed', ({ setup, command, sw, after, triesAfter, consumed, pinAfter }) => {
      const card = cardFor(setup);
      expect(send(card, APDU[command])).toBe(sw);
      expect(card.state()).toBe(after);
      expect(card.triesLeft()).toBe(triesAfter);
      expect(card.triesConsumed()).toBe(consumed);
      if (pinAfter !== undefined) expect(card.hasPin(pinAfter)).toBe(true);
    });
  });

  describe('application selection', () => {
    it('answers PIN commands with 6986 before the eCard application is selected, spending nothing', () => {
      const card = createVirtualEcard({ state: 'active' });
      for (const command of ['verifyWrong', 'triesLeft', 'changeWrong', 'reset0000'] as const) {
        expect(send(card, APDU[command])).toBe('69 86');
      }
      expect(card.triesLeft()).toBe(5);
      expect(card.ledger).toEqual([]);
    });
    it('deselects the eCard application when another AID is selected', () => {
      const card = cardFor('active');
      send(card, APDU.selectOther);
      expect(send(card, APDU.verifyWrong)).toBe('69 86');
    });
  });

  describe('malformed and foreign commands', () => {
    const card = cardFor('active');
    it.each([
      ['an unknown instruction (READ BINARY)', '00 B0 00 00 00', '6D 00'],
      ['a proprietary class byte', '80 20 00 01 04 31 32 33 34', '6E 00'],
      ['another PIN reference', '00 20 00 02 04 31 32 33 34', '6A 86'],
      ['SELECT by file identifier', '00 A4 00 0C 02 3F 00', '6A 86'],
      ['an Lc longer than the data', '00 20 00 01 05 31 32 33 34', '67 00'],
      ['VERIFY with an Le', '00 20 00 01 04 31 32 33 34 00', '67 00'],
      ['a 3-digit VERIFY on a 4-digit PIN', '00 20 00 01 03 31 32 33', '67 00'],
      ['CHANGE with a non-digit new PIN', '00 24 00 01 08 31 32 33 34 34 38 32 41', '6A 80'],
      ['fewer than 4 bytes', '00 20', '67 00'],
    ])('answers %s with %s and spends no try', (_what, apdu, sw) => {
      expect(send(card, apdu)).toBe(sw);
      expect(card.triesLeft()).toBe(5);
      expect(card.triesConsumed()).toBe(0);
      expect(card.hasPin('1234')).toBe(true);
    });
  });

  describe('security status', () => {
    it('answers the tries-left query 9000 once the PIN is verified, without a ledger entry', () => {
      const card = cardFor('active');
      send(card, APDU.verifyRight);
      expect(send(card, APDU.triesLeft)).toBe('90 00');
      expect(card.ledger).toHaveLength(1);
    });
    it('gives the tries back after a right PIN', () => {
      const card = cardFor('active');
      send(card, APDU.verifyWrong);
      send(card, APDU.verifyWrong);
      expect(send(card, APDU.triesLeft)).toBe('63 C3');
      expect(send(card, APDU.verifyRight)).toBe('90 00');
      expect(send(card, APDU.triesLeft)).toBe('90 00');
      expect(card.triesLeft()).toBe(5);
    });
    it('clears the verified status on a wrong PIN', () => {
      const card = cardFor('active');
      send(card, APDU.verifyRight);
      send(card, APDU.verifyWrong);
      expect(send(card, APDU.triesLeft)).toBe('63 C4');
    });
    it('leaves the PIN verified after a successful CHANGE', () => {
      const card = cardFor('active');
      send(card, APDU.changeRight);
      expect(card.isVerified()).toBe(true);
      expect(send(card, APDU.triesLeft)).toBe('90 00');
      expect(send(card, '00 20 00 01 04 34 38 32 31')).toBe('90 00');
    });
    it('forgets the verified status and the selection on a power cycle, keeping PIN and tries', () => {
      const card = cardFor('active');
      send(card, APDU.verifyWrong);
      send(card, APDU.verifyRight);
      card.reset();
      expect(card.isVerified()).toBe(false);
      expect(send(card, APDU.triesLeft)).toBe('69 86');
      send(card, APDU.selectEcard);
      expect(send(card, APDU.triesLeft)).toBe('63 C5');
      expect(card.hasPin('1234')).toBe(true);
    });
    it('blocks for good after the fifth wrong PIN: 63C4 … 63C0, then 6983', () => {
      const card = cardFor('active');
      const answers = Array.from({ length: 6 }, () => send(card, APDU.verifyWrong));
      expect(answers).toEqual(['63 C4', '63 C3', '63 C2', '63 C1', '63 C0', '69 83']);
      expect(send(card, APDU.verifyRight)).toBe('69 83');
      expect(card.triesConsumed()).toBe(5);
    });
    it('keeps a CAS unblock across a refused reset PIN and uses it up on success', () => {
      const card = cardFor('blocked, CAS unblocked');
      expect(send(card, APDU.resetOther)).toBe('6A 80');
      expect(card.cas.resetAuthorised()).toBe(true);
      expect(send(card, APDU.reset0000)).toBe('90 00');
      expect(card.cas.resetAuthorised()).toBe(false);
    });
    it('resets a transport card that was blocked by wrong transport PINs into an active card with 0000', () => {
      const card = cardFor('transport');
      for (let i = 0; i < 5; i++) send(card, APDU.activateWrong);
      expect(card.state()).toBe('blocked');
      expect(send(card, APDU.triesLeft)).toBe('69 83');
      expect(send(card, APDU.activate)).toBe('69 83');
      expect(card.cas.authoriseReset()).toBe(true);
      expect(send(card, APDU.reset0000)).toBe('90 00');
      expect(card.state()).toBe('active');
      expect(send(card, '00 24 00 01 08 30 30 30 30 34 38 32 31')).toBe('90 00');
    });
  });

  describe('PIN-try ledger', () => {
    it('records each PIN comparison with its command, result and tries after, and no PIN digit', () => {
      const card = cardFor('active');
      send(card, APDU.verifyWrong);
      send(card, APDU.changeWrong);
      send(card, APDU.changeRight);
      send(card, APDU.triesLeft);
      send(card, APDU.reset0000);
      expect(card.ledger).toEqual([
        { ins: 0x20, ok: false, triesLeftAfter: 4 },
        { ins: 0x24, ok: false, triesLeftAfter: 3 },
        { ins: 0x24, ok: true, triesLeftAfter: 5 },
      ]);
      for (const entry of card.ledger) expect(Object.keys(entry).sort()).toEqual(['ins', 'ok', 'triesLeftAfter']);
      expect(card.triesConsumed()).toBe(2);
    });
    it('lists a RESET RETRY COUNTER that reached the reset PIN, right or wrong, without counting it as a try', () => {
      const card = cardFor('blocked');
      expect(card.cas.authoriseReset()).toBe(true);
      expect(send(card, '00 2C 02 01 04 31 31 31 31')).toBe('6A 80');
      expect(send(card, APDU.reset0000)).toBe('90 00');
      expect(card.ledger).toEqual([
        { ins: 0x2c, ok: false, triesLeftAfter: 0 },
        { ins: 0x2c, ok: true, triesLeftAfter: 5 },
      ]);
      expect(card.triesConsumed()).toBe(0);
    });
    it('does not list a RESET RETRY COUNTER refused before the comparison (not blocked, not unblocked by the CAS)', () => {
      const active = cardFor('active');
      expect(send(active, APDU.reset0000)).toBe('69 85');
      const blocked = cardFor('blocked');
      expect(send(blocked, APDU.reset0000)).toBe('69 82');
      expect([...active.ledger, ...blocked.ledger]).toEqual([]);
    });
    it('keeps the PIN out of everything the card exposes', () => {
      const card = createVirtualEcard({ state: 'active', pin: '8642' });
      send(card, APDU.selectEcard);
      send(card, '00 20 00 01 04 38 36 34 32');
      expect(Object.keys(card).sort()).toEqual(
        ['atr', 'cas', 'faults', 'hasPin', 'isVerified', 'ledger', 'reset', 'state', 'transmitApdu', 'transmitBlock', 'triesConsumed', 'triesLeft'].sort(),
      );
      expect(JSON.stringify(card.ledger)).not.toContain('8642');
    });
  });

  describe('options', () => {
    it('defaults: active with 5 tries and PIN 1234, transport with PIN 000, blocked with 0 tries', () => {
      const active = createVirtualEcard({ state: 'active' });
      expect([active.state(), active.triesLeft(), active.hasPin('1234')]).toEqual(['active', 5, true]);
      const transport = createVirtualEcard({ state: 'transport' });
      expect([transport.state(), transport.triesLeft(), transport.hasPin('000')]).toEqual(['transport', 5, true]);
      const blocked = createVirtualEcard({ state: 'blocked', pin: '5555' });
      expect([blocked.state(), blocked.triesLeft(), blocked.hasPin('5555')]).toEqual(['blocked', 0, true]);
      expect(createVirtualEcard({ state: 'invalid', triesLeft: 2 }).state()).toBe('invalid');
    });
    it.each([
      ['a pin on a transport card', { state: 'transport', pin: '1234' }, /transport card has the transport PIN/],
      ['a 3-digit pin', { state: 'active', pin: '123' }, /expected 4 digits, got 3 characters/],
      ['a pin with a letter', { state: 'active', pin: '12a4' }, /expected 4 digits/],
      ['0 tries on an active card', { state: 'active', triesLeft: 0 }, /expected an integer 1\.\.5, got 0/],
      ['6 tries', { state: 'active', triesLeft: 6 }, /expected an integer 1\.\.5, got 6/],
      ['tries on a blocked card', { state: 'blocked', triesLeft: 2 }, /expected an integer 0\.\.0, got 2/],
      ['an unknown state', { state: 'lost' as VirtualEcardState }, /expected active, transport, blocked or invalid, got lost/],
    ] as const)('refuses %s', (_what, options, message) => {
      expect(() => createVirtualEcard(options)).toThrow(VirtualCardConfigError);
      expect(() => createVirtualEcard(options)).toThrow(message);
    });
  });

  describe('T=1', () => {
    it('has the eCard ATR', () => {
      expect(isEcardAtr(createVirtualEcard({ state: 'active' }).atr)).toBe(true);
    });
    it('answers an I-block carrying SELECT with an I-block carrying 90 00', () => {
      const card = createVirtualEcard({ state: 'active' });
      const answer = card.transmitBlock(encodeT1Block(iBlock(0, fromHex(APDU.selectEcard)), 'lrc'));
      expect(answer).not.toBeNull();
      const block = decodeT1Block(answer ?? new Uint8Array(0), 'lrc');
      expect(block).toMatchObject({ type: 'I', ns: 0, more: false });
      expect(block.type === 'I' ? toHex(block.inf) : '').toBe('90 00');
    });
    it('runs a wrong and a right VERIFY through the reader side of T=1', () => {
      const card = createVirtualEcard({ state: 'active' });
      const reader = createReaderT1(card, { ifsd: 254 });
      const transmit = (apdu: string): string => toHex(reader.transmitApdu(fromHex(apdu)));
      expect(transmit(APDU.selectEcard)).toBe('90 00');
      expect(transmit(APDU.verifyWrong)).toBe('63 C4');
      expect(transmit(APDU.verifyRight)).toBe('90 00');
      expect(card.ledger.map((entry) => entry.ok)).toEqual([false, true]);
    });
  });
});

/** An independent model of the card's PIN rules, for the ledger property. */
interface Model {
  pin: string;
  tries: number;
  transport: boolean;
  authorised: boolean;
}

type Action =
  | { readonly kind: 'verify'; readonly right: boolean; readonly guess: string }
  | { readonly kind: 'change'; readonly right: boolean; readonly guess: string; readonly next: string }
  | { readonly kind: 'reset'; readonly pin: string }
  | { readonly kind: 'unblock' }
  | { readonly kind: 'tries' }
  | { readonly kind: 'power-cycle' };

const fourDigits = fc.stringMatching(/^[0-9]{4}$/);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('verify' as const), right: fc.boolean(), guess: fourDigits }),
  fc.record({ kind: fc.constant('change' as const), right: fc.boolean(), guess: fourDigits, next: fourDigits }),
  fc.record({ kind: fc.constant('reset' as const), pin: fc.oneof(fc.constant('0000'), fourDigits) }),
  fc.constant({ kind: 'unblock' as const }),
  fc.constant({ kind: 'tries' as const }),
  fc.constant({ kind: 'power-cycle' as const }),
);
const startArb = fc.oneof(
  fc.record({ state: fc.constant('active' as const), triesLeft: fc.integer({ min: 1, max: 5 }), pin: fourDigits }),
  fc.record({ state: fc.constant('blocked' as const), pin: fourDigits }),
  fc.constant({ state: 'transport' as const }),
);

const ascii = (pin: string): string => toHex(Uint8Array.from(pin, (c) => c.charCodeAt(0)));
/** A wrong PIN of the same length as `pin`, derived from `guess`. */
const wrongFor = (pin: string, guess: string): string => {
  const candidate = guess.slice(0, pin.length);
  return candidate === pin ? [...pin].map((d) => String((Number(d) + 1) % 10)).join('') : candidate;
};

describe('PIN-try ledger over random sessions (fast-check, seed 1234)', () => {
  it('counts exactly the wrong PINs sent to a card that still had tries: 10,000 sequences', () => {
    fc.assert(
      fc.property(startArb, fc.array(actionArb, { maxLength: 25 }), (start, actions) => {
        const card = createVirtualEcard(start);
        const model: Model = {
          pin: start.state === 'transport' ? '000' : start.pin,
          tries: start.state === 'blocked' ? 0 : start.state === 'transport' ? 5 : start.triesLeft,
          transport: start.state === 'transport',
          authorised: false,
        };
        let wrongSent = 0;
        send(card, APDU.selectEcard);
        for (const action of actions) {
          switch (action.kind) {
            case 'verify': {
              const pin = action.right ? model.pin : wrongFor(model.pin, action.guess);
              send(card, `00 20 00 01 ${pin.length.toString(16).padStart(2, '0')} ${ascii(pin)}`);
              if (model.tries > 0 && !model.transport && pin.length === 4) {
                if (action.right) model.tries = 5;
                else {
                  model.tries -= 1;
                  wrongSent += 1;
                }
              }
              break;
            }
            case 'change': {
              const old = action.right ? model.pin : wrongFor(model.pin, action.guess);
              const data = `${ascii(old)} ${ascii(action.next)}`;
              send(card, `00 24 00 01 ${(old.length + 4).toString(16).padStart(2, '0')} ${data}`);
              if (model.tries > 0) {
                if (action.right) Object.assign(model, { pin: action.next, tries: 5, transport: false });
                else {
                  model.tries -= 1;
                  wrongSent += 1;
                }
              }
              break;
            }
            case 'reset':
              send(card, `00 2C 02 01 04 ${ascii(action.pin)}`);
              if (model.tries === 0 && model.authorised && action.pin === '0000') {
                Object.assign(model, { pin: '0000', tries: 5, transport: false, authorised: false });
              }
              break;
            case 'unblock':
              card.cas.authoriseReset();
              model.authorised = model.tries === 0;
              break;
            case 'tries':
              send(card, APDU.triesLeft);
              break;
            case 'power-cycle':
              card.reset();
              send(card, APDU.selectEcard);
              break;
          }
          expect(card.triesLeft()).toBe(model.tries);
          expect(card.hasPin(model.pin)).toBe(true);
        }
        expect(card.triesConsumed()).toBe(wrongSent);
        expect(card.ledger.filter((entry) => !entry.ok && entry.ins !== 0x2c).length).toBe(wrongSent);
      }),
      { seed: 1234, numRuns: 10_000 },
    );
  });
});

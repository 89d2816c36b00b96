import { describe, it, expect } from 'vitest';
import { fromHex, toHex } from '../ccid/bytes';
import {
  changePinApdu,
  outcomeForStatusWord,
  parseResponseApdu,
  resetRetryCounterApdu,
  selectEcardApdu,
  triesLeftApdu,
  verifyPinApdu,
  type CardOperation,
  type Outcome,
  type UnblockAuthority,
} from '../card';
import { createCasConsole } from './cas-console';
import { createReaderT1 } from './reader-t1';
import { createVirtualEcard, type VirtualEcard } from './virtual-ecard';

const selected = (card: VirtualEcard): VirtualEcard => {
  card.transmitApdu(selectEcardApdu());
  return card;
};

describe('createCasConsole', () => {
  it('is an UnblockAuthority that confirms only after unblock()', async () => {
    const card = selected(createVirtualEcard({ state: 'blocked' }));
    const cas = createCasConsole(card);
    const authority: UnblockAuthority = cas;
    expect(await authority.confirmUnblocked({ atr: card.atr })).toBe('not-confirmed');
    expect(cas.unblock()).toBe('unblocked');
    expect(await authority.confirmUnblocked({ atr: card.atr })).toBe('confirmed');
  });
  it('does not confirm for another card', async () => {
    const card = createVirtualEcard({ state: 'blocked' });
    const cas = createCasConsole(card);
    cas.unblock();
    expect(await cas.confirmUnblocked({ atr: fromHex('3B 02 14 50') })).toBe('not-confirmed');
  });
  it('refuses to unblock a card that is not blocked, and the card keeps refusing RESET with 6985', async () => {
    const card = selected(createVirtualEcard({ state: 'active' }));
    const cas = createCasConsole(card);
    expect(cas.unblock()).toBe('not-blocked');
    expect(await cas.confirmUnblocked({ atr: card.atr })).toBe('not-confirmed');
    expect(toHex(card.transmitApdu(resetRetryCounterApdu('0000')))).toBe('69 85');
  });
  it('authorises one reset: the confirmation is used up by it', async () => {
    const card = selected(createVirtualEcard({ state: 'blocked' }));
    const cas = createCasConsole(card);
    cas.unblock();
    expect(toHex(card.transmitApdu(resetRetryCounterApdu('0000')))).toBe('90 00');
    expect(await cas.confirmUnblocked({ atr: card.atr })).toBe('not-confirmed');
  });
  it('invalidates a card (every answer 6283, -17 with the card number) and revalidates it with its own PIN', () => {
    const card = selected(createVirtualEcard({ state: 'active', pin: '2468', triesLeft: 3 }));
    const cas = createCasConsole(card);
    cas.invalidate();
    expect(card.state()).toBe('invalid');
    const answer = parseResponseApdu(card.transmitApdu(selectEcardApdu()));
    expect(outcomeForStatusWord('select', answer.sw)).toMatchObject({ kind: 'card-invalid', code: -17, casNeeds: 'card number' });
    expect(toHex(card.transmitApdu(verifyPinApdu('2468')))).toBe('62 83');
    cas.revalidate();
    expect(card.state()).toBe('active');
    expect(toHex(card.transmitApdu(selectEcardApdu()))).toBe('90 00');
    expect(toHex(card.transmitApdu(triesLeftApdu()))).toBe('63 C3');
    expect(toHex(card.transmitApdu(verifyPinApdu('2468')))).toBe('90 00');
    expect(card.triesConsumed()).toBe(0);
  });
});

/**
 * The notice of CAS Gorj (seed), steps 1–8, at the APDU level: a blocked card, the CAS unblock,
 * Reset PIN eCard with 0000, Schimbă PIN eCard 0000 → new, then the new PIN verifies.
 */
describe('notice steps 1–8', () => {
  const transports = {
    'APDU level': (card: VirtualEcard) => (apdu: Uint8Array) => card.transmitApdu(apdu),
    'T=1 blocks': (card: VirtualEcard) => {
      const reader = createReaderT1(card, { ifsd: 254 });
      return (apdu: Uint8Array) => reader.transmitApdu(apdu);
    },
  };

  it.each(Object.entries(transports))('a forgotten PIN, unblocked by CAS, gets a new PIN (%s)', async (_name, connect) => {
    const card = createVirtualEcard({ state: 'active', pin: '1357' });
    const transmit = connect(card);
    const cas = createCasConsole(card);
    const run = (operation: CardOperation, apdu: Uint8Array): Outcome => outcomeForStatusWord(operation, parseResponseApdu(transmit(apdu)).sw);

    expect(run('select', selectEcardApdu()).kind).toBe('ok');
    // The holder forgot the PIN: five wrong tries block the card by itself.
    const wrong = ['1111', '2222', '3333', '4444', '5555'].map((pin) => run('verify', verifyPinApdu(pin)));
    expect(wrong.map((o) => [o.kind, o.triesLeft])).toEqual([
      ['wrong-pin', 4],
      ['wrong-pin', 3],
      ['wrong-pin', 2],
      ['wrong-pin', 1],
      ['blocked', 0],
    ]);
    // Step 1: after the PIN is entered, the card says it is blocked: -15, the CAS needs the CID.
    expect(run('verify', verifyPinApdu('1357'))).toMatchObject({ kind: 'blocked', code: -15, casNeeds: 'CID' });
    // Before the CAS acts, a reset is refused: -36.
    expect(await cas.confirmUnblocked({ atr: card.atr })).toBe('not-confirmed');
    expect(run('reset', resetRetryCounterApdu('0000'))).toMatchObject({ kind: 'reset-not-confirmed', code: -36 });
    // The CAS unblocks; step 3: Reset PIN eCard with 0000.
    expect(cas.unblock()).toBe('unblocked');
    expect(await cas.confirmUnblocked({ atr: card.atr })).toBe('confirmed');
    expect(run('reset', resetRetryCounterApdu('0000')).kind).toBe('ok');
    expect(card.hasPin('0000')).toBe(true);
    // Steps 4–8: Schimbă PIN eCard, current 0000, new 4821 (confirmed on the PIN pad).
    expect(run('change', changePinApdu('0000', '4821')).kind).toBe('ok');
    expect(card.hasPin('4821')).toBe(true);
    // The new PIN verifies after a power cycle.
    card.reset();
    const again = connect(card);
    expect(parseResponseApdu(again(selectEcardApdu())).sw).toBe(0x9000);
    expect(outcomeForStatusWord('tries-left', parseResponseApdu(again(triesLeftApdu())).sw)).toMatchObject({ kind: 'tries-left', triesLeft: 5 });
    expect(outcomeForStatusWord('verify', parseResponseApdu(again(verifyPinApdu('4821'))).sw).kind).toBe('ok');
    expect(card.triesConsumed()).toBe(5);
    expect(card.ledger.slice(-2)).toEqual([
      { ins: 0x24, ok: true, triesLeftAfter: 5 },
      { ins: 0x20, ok: true, triesLeftAfter: 5 },
    ]);
  });
});

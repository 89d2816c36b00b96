/**
 * A card with the eCard's ATR and the two commands the ISO 7816-3 tests need (SELECT of the eCard
 * AID, the tries-left query): the link layer is what is under test here, not the card profile.
 */
import { fromHex, toHex } from '../../src/ccid';
import { createT1Card, type T1Card } from '../../src/sim/card-t1';

export const ECARD_ATR = '3B F0 13 00 00 81 31 FE 45 E8';
export const SELECT_ECARD = '00 A4 04 0C 0B E8 28 BD 08 0F D6 42 00 00 01 01';
export const TRIES_LEFT = '00 20 00 01';

export function ecardLikeCard(): T1Card {
  return createT1Card({
    atr: fromHex(ECARD_ATR),
    apdu: (command) => {
      const hex = toHex(command);
      if (hex === SELECT_ECARD) return fromHex('90 00');
      if (hex === TRIES_LEFT) return fromHex('63 C5');
      return fromHex('6D 00');
    },
  });
}

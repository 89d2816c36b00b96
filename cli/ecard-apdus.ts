/** The eCard facts the probe needs, from the card profile (src/card, one table with its sources). */
import { counterOf, ecardAtr, isEcardAtr, parseResponseApdu, selectEcardApdu, triesLeftApdu, SW } from '../src/card';

/** "Healthcare card Romania" in pcsc-tools' smartcard_list.txt: T=1 only. */
export const ECARD_ATR = ecardAtr();
/** SELECT of the eCard application by its AID. */
export const SELECT_ECARD_APPLICATION = selectEcardApdu();
/** VERIFY without data: the PIN status, no try spent (ISO/IEC 7816-4 §11.5.6). */
export const VERIFY_PIN_STATUS = triesLeftApdu();

export { isEcardAtr };

export type PinStatus =
  | { readonly kind: 'triesLeft'; readonly tries: number }
  | { readonly kind: 'blocked' }
  | { readonly kind: 'alreadyVerified' }
  | { readonly kind: 'unexpected'; readonly sw: number };

/** Reads the status word of VERIFY without data: 63Cx = x tries left, 6983 = blocked, 9000 = verified. */
export function pinStatusOf(response: Uint8Array): PinStatus {
  const sw = statusWord(response);
  const tries = counterOf(sw);
  if (tries !== null) return { kind: 'triesLeft', tries };
  if (sw === SW.AUTHENTICATION_BLOCKED) return { kind: 'blocked' };
  if (sw === SW.OK) return { kind: 'alreadyVerified' };
  return { kind: 'unexpected', sw };
}

/** SW1 SW2 of a response APDU as one number. */
export function statusWord(response: Uint8Array): number {
  return parseResponseApdu(response).sw;
}

/**
 * The few eCard facts the probe needs (shared/docs/ecard.md). They live here until src/card
 * exports the eCard profile; then the probe should take them from there.
 */
import { fromHex, toHex } from '../src/ccid';

/** "Healthcare card Romania" in pcsc-tools' smartcard_list.txt: T=1 only. */
export const ECARD_ATR = fromHex('3B F0 13 00 00 81 31 FE 45 E8');
/** SELECT by AID E8 28 BD 08 0F D6 42 00 00 01 01, P2 0C: no response data ([sdk]). */
export const SELECT_ECARD_APPLICATION = fromHex('00 A4 04 0C 0B E8 28 BD 08 0F D6 42 00 00 01 01');
/** VERIFY of PIN reference 01 without data: asks for the PIN status, spends no try (ISO/IEC 7816-4 §11.5.6). */
export const VERIFY_PIN_STATUS = fromHex('00 20 00 01');

export function isEcardAtr(atr: Uint8Array): boolean {
  return toHex(atr) === toHex(ECARD_ATR);
}

export type PinStatus =
  | { readonly kind: 'triesLeft'; readonly tries: number }
  | { readonly kind: 'blocked' }
  | { readonly kind: 'alreadyVerified' }
  | { readonly kind: 'unexpected'; readonly sw: number };

/** Reads the status word of VERIFY without data: 63Cx = x tries left, 6983 = blocked, 9000 = verified. */
export function pinStatusOf(response: Uint8Array): PinStatus {
  const sw = statusWord(response);
  if ((sw & 0xfff0) === 0x63c0) return { kind: 'triesLeft', tries: sw & 0x0f };
  if (sw === 0x6983) return { kind: 'blocked' };
  if (sw === 0x9000) return { kind: 'alreadyVerified' };
  return { kind: 'unexpected', sw };
}

/** SW1 SW2 of a response APDU as one number (the driver guarantees at least 2 bytes). */
export function statusWord(response: Uint8Array): number {
  return ((response[response.length - 2] ?? 0) << 8) | (response[response.length - 1] ?? 0);
}

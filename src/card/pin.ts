/**
 * PIN encoding of the eCard: one ASCII byte per digit ([sdk]). A new PIN (own PIN, reset PIN) has
 * exactly 4 digits; a current PIN may also be the 3-digit transport PIN. Errors describe the
 * length and the position of a bad character, never the digits.
 */
import { CcidError } from '../ccid';
import { ECARD_PROFILE, MIN_PIN_LENGTH } from './ecard-profile';

/** 'new': the PIN being set (own or reset PIN); 'current': a PIN being checked (may be the transport PIN). */
export type PinRole = 'new' | 'current';

/** The PIN does not have the digits the card takes; official code -40 ("PIN must have 4 digits"). */
export class PinFormatError extends CcidError {
  readonly code = -40;
  readonly role: PinRole;
  readonly expected: string;
  readonly got: string;
  constructor(role: PinRole, expected: string, got: string) {
    super(`${role} PIN: expected ${expected}, got ${got}`);
    this.role = role;
    this.expected = expected;
    this.got = got;
  }
}

export function pinLengthRange(role: PinRole): { readonly min: number; readonly max: number } {
  const max = ECARD_PROFILE.pinLength.value;
  return { min: role === 'new' ? max : MIN_PIN_LENGTH, max };
}

/** Throws PinFormatError unless `pin` has the digits `role` allows. */
export function validatePin(pin: string, role: PinRole): void {
  const { min, max } = pinLengthRange(role);
  const expected = min === max ? `${max} digits` : `${min}..${max} digits`;
  if (pin.length < min || pin.length > max) throw new PinFormatError(role, expected, `${pin.length} characters`);
  const bad = [...pin].findIndex((c) => c < '0' || c > '9');
  if (bad >= 0) throw new PinFormatError(role, expected, `a character other than 0-9 at position ${bad + 1}`);
}

/** The PIN as the card compares it: ASCII digits, e.g. "0000" → 30 30 30 30. */
export function encodePin(pin: string, role: PinRole): Uint8Array {
  validatePin(pin, role);
  return Uint8Array.from(pin, (c) => c.charCodeAt(0));
}

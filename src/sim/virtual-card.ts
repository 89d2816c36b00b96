/**
 * A card in the simulator, as a virtual reader sees it. APDU level always; T=1 block level when
 * the card implements it (createT1Card in ./card-t1 wraps any APDU handler into one).
 */
import { CcidError } from '../ccid/errors';

export interface VirtualCard {
  readonly atr: Uint8Array;
  /** Voltages the card answers at (ISO 7816-3 classes); all when absent. */
  readonly voltages?: readonly ('5.0V' | '3.0V' | '1.8V')[];
  /** APDU level: command APDU in, response APDU (data + SW1 SW2) out. */
  transmitApdu(apdu: Uint8Array): Uint8Array;
  /** Optional T=1 block level: one block in, one block out, or null when the card stays mute. */
  transmitBlock?(block: Uint8Array): Uint8Array | null;
  /**
   * Optional: the card was reset (power cycle or warm reset). Link state such as T=1 sequence
   * numbers and IFSD goes back to its initial values; the application's own state is the card's affair.
   */
  reset?(): void;
}

/** A simulator object was built or set with values no card or reader could have. */
export class VirtualCardConfigError extends CcidError {}

/** A plain APDU-level card: the handler answers every command. */
export function createApduCard(options: { atr: Uint8Array; apdu: (command: Uint8Array) => Uint8Array }): VirtualCard {
  const atr = options.atr.slice();
  return { atr, transmitApdu: (apdu) => options.apdu(apdu) };
}

/** Throws VirtualCardConfigError unless `value` is an integer in [min, max]. */
export function requireIntegerIn(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new VirtualCardConfigError(`${what}: expected an integer ${min}..${max}, got ${value}`);
  }
}

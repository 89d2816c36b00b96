/**
 * What a flow needs of the slot it works on, whichever transport serves the reader: this project's
 * CCID driver over WebUSB (src/ccid `CcidSlot`) or the platform's PC/SC stack through the Web Smart
 * Card API (src/pcsc `PcscSlot`). Both satisfy it by their shape; neither imports it (src/ccid
 * never imports the flows).
 *
 * Failure contract: a transport throws its own typed errors; the ones the flows turn into official
 * outcomes are listed in machine.ts (`outcomeOfError`). A PIN pad request the reader cannot take,
 * with nothing sent to the card, is a `PinPadUnavailableError` (the flows then ask on the screen);
 * a PIN pad refusal that spent no try is a `PinPadRefusalError` or a cancelled / timed-out entry.
 */
import type { IccStatus, ModifyPinRequest, VerifyPinRequest } from '../ccid';

export interface CardSlot {
  /** The reader has a PIN pad the flows may use (CCID bPINSupport; PC/SC part 10 FEATURE_VERIFY_PIN_DIRECT). */
  readonly pinpad: boolean;
  /** The ATR of the last successful power-on, until the card is powered off or leaves. */
  readonly atr: Uint8Array | null;
  /** Whether a card is in the slot and powered. */
  status(): Promise<{ readonly card: IccStatus }>;
  /** Powers (or resets) the card and returns its ATR; the card's volatile state is gone after it. */
  powerOn(): Promise<Uint8Array>;
  /** Sends a command APDU, returns the whole response APDU (data + SW1 SW2). */
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
  /** One PIN entry on the reader's keypad for a one-PIN command (VERIFY, RESET RETRY COUNTER). Never retried. */
  verifyPinOnPinpad(request: VerifyPinRequest): Promise<Uint8Array>;
  /** One PIN entry on the reader's keypad for a command with current and/or new PIN. Never retried. */
  modifyPinOnPinpad(request: ModifyPinRequest): Promise<Uint8Array>;
  /**
   * Card insertion (true) and removal (false) as the reader reports them; a swapped card is a
   * removal then an insertion. Returns the function that stops listening.
   */
  onCardChange(listener: (present: boolean) => void): () => void;
}

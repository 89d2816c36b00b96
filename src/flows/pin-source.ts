/**
 * Where a PIN comes from: the reader's PIN pad (the PIN never enters the computer) or the on-screen
 * keypad (readers without one). Flows use both the same way: one call per card command, made only
 * after the user was asked, and never repeated by the source.
 */
import { PinPadUnavailableError } from '../ccid';
import { buildCommandApdu, encodePin, headerOf } from '../card';
import type { CardSlot } from './card-slot';

/** What the terminal / keypad asks for, in the order of the official prompts (ecard.md). */
export type PinPrompt = 'pin' | 'transport' | 'reset' | 'current' | 'new' | 'confirm';

/** One PIN-carrying command: VERIFY (one PIN), CHANGE (current + new), RESET (new only). */
export type PinCommand =
  | { readonly kind: 'verify'; readonly prompt: 'pin' | 'transport'; readonly length: number }
  | { readonly kind: 'change'; readonly currentPrompt: 'current' | 'transport'; readonly currentLength: number; readonly newLength: number }
  | { readonly kind: 'reset'; readonly length: number };

export interface PinSource {
  readonly kind: 'pinpad' | 'screen';
  /** Asks the user for the PIN(s) of `command`, sends it once, returns the card's response APDU. */
  send(slot: CardSlot, command: PinCommand): Promise<Uint8Array>;
}

/** The user closed the on-screen keypad: nothing was sent. */
export class PinEntryAbandonedError extends Error {
  constructor() {
    super('PIN entry was cancelled on the screen');
    this.name = 'PinEntryAbandonedError';
  }
}

/** The new PIN and its confirmation differ on the screen keypad: nothing was sent. */
export class ScreenPinsDifferError extends Error {
  constructor() {
    super('the new PIN and its confirmation differ');
    this.name = 'ScreenPinsDifferError';
  }
}

/** Seconds the PIN pad waits for the user (bTimeOut); the UI counts down from it. */
export const PINPAD_TIMEOUT_SECONDS = 30;

/** PC/SC part 10 §2.5.2 / §2.5.3: bMsgIndex of the reader's own prompts (0 enter, 1 new, 2 confirm). */
const MESSAGE = { enter: 0, new: 1, confirm: 2 } as const;

const header = (name: Parameters<typeof headerOf>[0]) => Uint8Array.from(headerOf(name));

/** The reader's PIN pad. A request it cannot take (PinPadUnavailableError) goes to `fallback`. */
export function pinpadSource(fallback: PinSource): PinSource {
  return {
    kind: 'pinpad',
    async send(slot, command) {
      try {
        return await sendOnPinpad(slot, command);
      } catch (error) {
        // Nothing reached the card (the reader refused the request itself): the screen may ask instead.
        if (error instanceof PinPadUnavailableError) return fallback.send(slot, command);
        throw error;
      }
    },
  };
}

function sendOnPinpad(slot: CardSlot, command: PinCommand): Promise<Uint8Array> {
  const timeoutSeconds = PINPAD_TIMEOUT_SECONDS;
  switch (command.kind) {
    case 'verify':
      return slot.verifyPinOnPinpad({
        apduHeader: header('verify'),
        pinLength: { min: command.length, max: command.length },
        messageIndex: MESSAGE.enter,
        timeoutSeconds,
      });
    case 'reset':
      // RESET RETRY COUNTER (P1 02) carries only the new PIN, the reset PIN the notice has typed
      // once at "PIN-ul de reset?": a single entry, like VERIFY.
      return slot.verifyPinOnPinpad({
        apduHeader: header('resetRetryCounter'),
        pinLength: { min: command.length, max: command.length },
        messageIndex: MESSAGE.enter,
        timeoutSeconds,
      });
    case 'change':
      if (command.currentLength !== command.newLength) {
        // One PIN_MODIFY structure has one length range; a 3-digit transport PIN with a 4-digit
        // new PIN does not fit a fixed-length block (see src/ccid/pinpad.ts): the screen asks.
        return Promise.reject(new PinPadUnavailableError('structure-rejected', 'current and new PIN lengths differ'));
      }
      return slot.modifyPinOnPinpad({
        apduHeader: header('changeReferenceData'),
        confirm: 'current-new-confirm',
        pinLength: { min: command.newLength, max: command.newLength },
        messageIndexes: [MESSAGE.enter, MESSAGE.new, MESSAGE.confirm],
        timeoutSeconds,
      });
  }
}

/** Builds the command from PIN parts, sends it once, and overwrites every PIN byte it held. */
async function sendOnce(slot: CardSlot, command: Parameters<typeof headerOf>[0], parts: Uint8Array[]): Promise<Uint8Array> {
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    data.set(part, at);
    at += part.length;
    part.fill(0);
  }
  const apdu = buildCommandApdu(headerOf(command), data);
  data.fill(0);
  try {
    return await slot.transmit(apdu);
  } finally {
    apdu.fill(0);
  }
}

/**
 * The on-screen keypad: `ask` shows the prompt and resolves with the digits typed, or null when the
 * user cancels. The digits live only in this call; nothing keeps them.
 */
export function screenSource(ask: (prompt: PinPrompt, length: number) => Promise<string | null>): PinSource {
  const read = async (prompt: PinPrompt, length: number): Promise<string> => {
    const digits = await ask(prompt, length);
    if (digits === null) throw new PinEntryAbandonedError();
    return digits;
  };
  return {
    kind: 'screen',
    async send(slot, command) {
      switch (command.kind) {
        case 'verify':
          return sendOnce(slot, 'verify', [encodePin(await read(command.prompt, command.length), 'current')]);
        case 'reset':
          return sendOnce(slot, 'resetRetryCounter', [encodePin(await read('reset', command.length), 'new')]);
        case 'change': {
          const current = encodePin(await read(command.currentPrompt, command.currentLength), 'current');
          const next = await read('new', command.newLength);
          if ((await read('confirm', command.newLength)) !== next) {
            current.fill(0);
            throw new ScreenPinsDifferError();
          }
          return sendOnce(slot, 'changeReferenceData', [current, encodePin(next, 'new')]);
        }
      }
    },
  };
}

/**
 * PIN entry on the reader's own keypad (USB CCID 1.1 §6.1.11 PC_to_RDR_Secure, with the PC/SC
 * part 10 PIN_VERIFY / PIN_MODIFY structures). The digits exist only inside the reader: the host
 * sends an APDU template, the reader inserts the PIN and talks to the card.
 *
 * How the PIN gets into the APDU (PC/SC part 10 §2.5.2 bmFormatString / bmPINBlockString /
 * bmPINLengthFormat, §2.5.3 bInsertionOffsetOld/New): an ASCII PIN frame at offset 0 of a PIN block
 * of exactly N bytes, no PIN length field, and wPINMaxExtraDigit min = max = N, N given by the
 * caller (the flow knows it: 4 for the holder's PIN, 3 for the transport PIN). The template carries
 * Lc = N (2N for current ‖ new) and the block fills it completely, so the card receives
 * CLA INS P1 P2 Lc + the digits and nothing else, whether or not the reader recalculates Lc
 * (§2.5.2: "Lc shall be re-calculated" is then a no-op). The alternatives do not fit the eCard:
 * a PIN length field (bPINLengthSize) writes a byte the card does not expect, and a variable-length
 * PIN appended by the reader to a case-1 template is not what every reader does (libccid documents
 * that the SPR532 needs a vendor Escape for it). A modify structure has one length range for all
 * its PINs, so current and new PIN must have the same length.
 *
 * Nothing here retries: one request is one PC_to_RDR_Secure.
 */
import { concatBytes, hexByte } from './bytes';
import type { CardSession, ReaderBuiltSend } from './card-session';
import type { CcidClassDescriptor } from './descriptors';
import {
  BadParameterError,
  CcidError,
  CommandNotSupportedError,
  PinEntryCancelledError,
  PinEntryTimeoutError,
  SlotBusyError,
} from './errors';
import {
  encodePinModify,
  encodePinVerify,
  type PinModifyStructure,
  type PinVerifyStructure,
} from './pin-structures';
import { pinpadQuirk, pinStructureLayout, type PinpadQuirk } from './pinpad-quirks';
import type { CommandOptions } from './transport';

export interface PinLength {
  readonly min: number;
  readonly max: number;
}

export interface VerifyPinRequest {
  /** CLA INS P1 P2 of the command that takes the PIN as its data, e.g. VERIFY 00 20 00 01. */
  readonly apduHeader: Uint8Array;
  /** Digits to take; min must equal max (see the header of this file). */
  readonly pinLength: PinLength;
  /** The reader's prompt message (bMsgIndex); the reader's default message when absent. */
  readonly messageIndex?: number;
  /** bTimeOut: seconds the user has, 1..255. */
  readonly timeoutSeconds: number;
}

/** bConfirmPIN (PC/SC part 10 §2.5.3): 0x03 current, new, confirm; 0x01 new, confirm. */
export type ConfirmMode = 'current-new-confirm' | 'new-confirm';

export interface ModifyPinRequest {
  /** CLA INS P1 P2, e.g. CHANGE 00 24 00 01 (current ‖ new) or RESET RETRY COUNTER 00 2C 02 01 (new). */
  readonly apduHeader: Uint8Array;
  readonly confirm: ConfirmMode;
  readonly pinLength: PinLength;
  /** One reader message index per prompt, in order (3 for current-new-confirm, 2 for new-confirm). */
  readonly messageIndexes: readonly number[];
  readonly timeoutSeconds: number;
}

/** The caller asked for something a PIN pad request cannot express. */
export class PinPadRequestError extends CcidError {}

export type PinPadUnavailableReason = 'no-pinpad' | 'quirk' | 'not-supported' | 'structure-rejected';

/**
 * This reader's PIN pad cannot take the request; nothing reached the card. Flows fall back to the
 * on-screen keypad.
 */
export class PinPadUnavailableError extends CcidError {
  readonly reason: PinPadUnavailableReason;
  constructor(reason: PinPadUnavailableReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export type PinEntryRefusal = 'timeout' | 'cancelled' | 'mismatch' | 'length';

/**
 * The reader ended the entry with a status word of its own (PC/SC part 10 §2.5.2/§2.5.3: 6400
 * timeout, 6401 cancelled, 6402 new PIN and confirmation differ, 6403 PIN length out of range):
 * no APDU went to the card, so no PIN try was spent.
 */
export class PinPadRefusalError extends CcidError {
  readonly reason: PinEntryRefusal;
  readonly statusWord: number;
  constructor(reason: PinEntryRefusal, statusWord: number, message: string) {
    super(message);
    this.reason = reason;
    this.statusWord = statusWord;
  }
}
export class PinPadTimeoutError extends PinPadRefusalError {}
export class PinPadCancelledError extends PinPadRefusalError {}
export class PinsDifferError extends PinPadRefusalError {}
export class PinLengthRefusedError extends PinPadRefusalError {}

const REFUSALS: ReadonlyMap<number, readonly [typeof PinPadRefusalError, PinEntryRefusal, string]> = new Map([
  [0x6400, [PinPadTimeoutError, 'timeout', 'no PIN was entered in time']],
  [0x6401, [PinPadCancelledError, 'cancelled', 'PIN entry was cancelled on the reader']],
  [0x6402, [PinsDifferError, 'mismatch', 'the new PIN and its confirmation differ']],
  [0x6403, [PinLengthRefusedError, 'length', 'the PIN entered has the wrong number of digits']],
]);

/**
 * A two-byte answer 6400..6403 to PC_to_RDR_Secure is the reader's own (PC/SC part 10); a card's
 * 6400 (ISO 7816-4: "execution error, memory unchanged") would read as a timeout, also without a
 * try spent. On a TPDU T=1 reader it cannot be a block (a block has at least 4 bytes).
 */
export function refusalInAnswer(answer: Uint8Array): PinPadRefusalError | null {
  if (answer.length !== 2) return null;
  const sw = ((answer[0] ?? 0) << 8) | (answer[1] ?? 0);
  const known = REFUSALS.get(sw);
  return known ? new known[0](known[1], sw, `PIN pad: ${known[2]} (SW ${hexByte(sw >> 8)}${hexByte(sw)})`) : null;
}

/** Why a PIN pad entry ended without reaching the card, for any of the errors that say so; else null. */
export function pinEntryRefusal(error: unknown): PinEntryRefusal | null {
  if (error instanceof PinPadRefusalError) return error.reason;
  if (error instanceof PinEntryCancelledError) return 'cancelled';
  if (error instanceof PinEntryTimeoutError) return 'timeout';
  return null;
}

/** Everything a PC_to_RDR_Secure needs but the T=1 prologue, which only the session knows. */
export interface PinEntryPlan {
  readonly operation: 'verify' | 'modify';
  /** The APDU the reader completes: header, Lc, and the PIN block(s) as zeros. */
  readonly template: Uint8Array;
  /** abData of PC_to_RDR_Secure with this bTeoPrologue. */
  encode(teoPrologue: Uint8Array): Uint8Array;
  /** The driver's wait for the answer: beyond the user's time on every prompt. */
  readonly timing: Required<CommandOptions>;
  /** Pause before the command (a quirk of some keyboards), ms. */
  readonly settleMs: number;
}

/** What the plan needs to know about the reader. */
export interface PinpadReader {
  readonly descriptor: CcidClassDescriptor;
  readonly vendorId: number;
  readonly productId: number;
}

const HEADER_LENGTH = 4;
/** bPINBlockSize is 4 bits (PC/SC part 10 §2.5.2). */
const MAX_DIGITS = 15;
/** bmFormatString: unit byte (b7), frame offset 0, left-justified, ASCII (b1..b0 = 10). */
const ASCII_AT_BLOCK_START = { offsetUnit: 'byte', frameOffset: 0, justification: 'left', coding: 'ascii' } as const;
const NO_LENGTH_FIELD = { unit: 'bit', position: 0 } as const;
/** bEntryValidationCondition 02: the user confirms with OK, so a typo can be corrected first. */
const VALIDATION_KEY = 0x02;
const DEFAULT_MESSAGE = 0xff;
/** wLangId: English (United States), which every PIN pad knows. */
const LANG_EN_US = 0x0409;
/** Seconds on top of the user's time for the card's answer and USB (libccid takes bTimeOut + 10). */
const ANSWER_MARGIN_SECONDS = 10;
/** Room for time extensions the card asks for after the entry, ms. */
const EXTENSION_ROOM_MS = 60_000;

/** A reader with no firmware quirk known to us. */
const NO_QUIRK: PinpadQuirk = { reader: '', source: '' };
const ZERO_PROLOGUE = new Uint8Array(3);

const CONFIRM: Readonly<Record<ConfirmMode, { bConfirmPIN: number; prompts: number }>> = {
  'current-new-confirm': { bConfirmPIN: 0x03, prompts: 3 },
  'new-confirm': { bConfirmPIN: 0x01, prompts: 2 },
};

export function planVerify(request: VerifyPinRequest, reader: PinpadReader): PinEntryPlan {
  const quirk = usablePinpad(reader, 'verify');
  const { template, structure } = verifyParts(request, quirk);
  const layout = pinStructureLayout(quirk);
  return {
    operation: 'verify',
    template,
    encode: (teoPrologue) => encodePinVerify(structure(teoPrologue), layout),
    timing: pinEntryTiming(request.timeoutSeconds, 1),
    settleMs: quirk.settleMs ?? 0,
  };
}

export function planModify(request: ModifyPinRequest, reader: PinpadReader): PinEntryPlan {
  const quirk = usablePinpad(reader, 'modify');
  const { template, structure, prompts } = modifyParts(request, quirk);
  const layout = pinStructureLayout(quirk);
  return {
    operation: 'modify',
    template,
    encode: (teoPrologue) => encodePinModify(structure(teoPrologue), layout),
    timing: pinEntryTiming(request.timeoutSeconds, prompts),
    settleMs: quirk.settleMs ?? 0,
  };
}

/**
 * The PIN_VERIFY structure of `request` for a reader driven by someone else's driver (PC/SC part 10
 * through pcsc-lite: libccid applies its own firmware fixes and writes bTeoPrologue itself), so
 * with no quirk row and a zero prologue. Same checks and field choices as planVerify.
 */
export function pinVerifyStructure(request: VerifyPinRequest): PinVerifyStructure {
  return verifyParts(request, NO_QUIRK).structure(ZERO_PROLOGUE);
}

/** The PIN_MODIFY structure of `request` for a reader driven by someone else's driver (as pinVerifyStructure). */
export function pinModifyStructure(request: ModifyPinRequest): PinModifyStructure {
  return modifyParts(request, NO_QUIRK).structure(ZERO_PROLOGUE);
}

function verifyParts(request: VerifyPinRequest, quirk: PinpadQuirk) {
  const digits = checkCommon(request);
  const messageIndex = request.messageIndex;
  if (messageIndex !== undefined) checkByte('messageIndex', messageIndex);
  const template = templateFor(request.apduHeader, digits);
  const structure = (teoPrologue: Uint8Array): PinVerifyStructure => ({
    ...commonStructure(request, digits, quirk, teoPrologue, template),
    numberMessage: quirk.verifyNumberMessage ?? (messageIndex === undefined ? DEFAULT_MESSAGE : 1),
    msgIndex: messageIndex ?? 0,
  });
  return { template, structure };
}

function modifyParts(request: ModifyPinRequest, quirk: PinpadQuirk) {
  const digits = checkCommon(request);
  const confirm = CONFIRM[request.confirm];
  if (!confirm) throw new PinPadRequestError(`confirm must be current-new-confirm or new-confirm, got ${String(request.confirm)}`);
  if (request.messageIndexes.length !== confirm.prompts) {
    throw new PinPadRequestError(`${request.confirm} has ${confirm.prompts} prompts; got ${request.messageIndexes.length} message indexes`);
  }
  request.messageIndexes.forEach((index) => checkByte('messageIndexes', index));
  const withCurrent = (confirm.bConfirmPIN & 0x02) !== 0;
  const template = templateFor(request.apduHeader, withCurrent ? 2 * digits : digits);
  const threeIndexes = quirk.modifyMessageIndexes === 'always-three';
  const indexes = quirk.zeroMessageIndexes ? [] : request.messageIndexes;
  const structure = (teoPrologue: Uint8Array): PinModifyStructure => ({
    ...commonStructure(request, digits, quirk, teoPrologue, template),
    insertionOffsetOld: 0,
    insertionOffsetNew: withCurrent ? digits : 0,
    confirmPin: confirm.bConfirmPIN,
    numberMessage: quirk.modifyNumberMessage ?? (threeIndexes ? 3 : confirm.prompts),
    msgIndexes: [indexes[0] ?? 0, indexes[1] ?? 0, indexes[2] ?? 0],
  });
  return { template, structure, prompts: confirm.prompts };
}

/**
 * The driver's read timeout for a PIN entry of `prompts` prompts of `timeoutSeconds` each: beyond
 * the reader's own bTimeOut on every prompt, plus a margin for the card (libccid: bTimeOut + 10 s).
 */
export function pinEntryTiming(timeoutSeconds: number, prompts: number): Required<CommandOptions> {
  const timeoutMs = (prompts * timeoutSeconds + ANSWER_MARGIN_SECONDS) * 1000;
  return { timeoutMs, maxMs: timeoutMs + EXTENSION_ROOM_MS };
}

/**
 * Runs one planned PIN entry: one PC_to_RDR_Secure (`secure` sends it and returns the DataBlock's
 * data), the rest of the exchange by the session. Returns the card's response APDU.
 */
export function enterPinOnPinpad(
  session: CardSession,
  plan: PinEntryPlan,
  secure: (data: Uint8Array, timing: CommandOptions) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const send: ReaderBuiltSend = async (_template, teoPrologue) => {
    if (plan.settleMs > 0) await new Promise((resolve) => setTimeout(resolve, plan.settleMs));
    let answer: Uint8Array;
    try {
      answer = await secure(plan.encode(teoPrologue), plan.timing);
    } catch (error) {
      const notSent = nothingSent(error);
      if (notSent) return { notSent };
      throw error;
    }
    const refusal = refusalInAnswer(answer);
    return refusal ? { notSent: refusal } : { answer };
  };
  return session.transmitReaderBuilt(plan.template, send);
}

/** Errors with which the reader says it sent nothing to the card, as they reach the flows. */
function nothingSent(error: unknown): CcidError | null {
  if (error instanceof CommandNotSupportedError) {
    // QEMU's usb-ccid announces bPINSupport and answers Secure with "command not supported".
    return new PinPadUnavailableError('not-supported', 'the reader announces a PIN pad but does not support PC_to_RDR_Secure', { cause: error });
  }
  if (error instanceof BadParameterError) {
    return new PinPadUnavailableError('structure-rejected', `the PIN pad refused the PIN structure at offset ${error.offset}`, { cause: error });
  }
  if (error instanceof PinEntryCancelledError || error instanceof PinEntryTimeoutError || error instanceof SlotBusyError) return error;
  return null;
}

function usablePinpad(reader: PinpadReader, operation: 'verify' | 'modify'): PinpadQuirk {
  const announced = operation === 'verify' ? reader.descriptor.pinVerify : reader.descriptor.pinModify;
  if (!announced) {
    throw new PinPadUnavailableError('no-pinpad', `the reader has no PIN pad for PIN ${operation === 'verify' ? 'verification' : 'modification'} (bPINSupport)`);
  }
  const quirk = pinpadQuirk(reader.vendorId, reader.productId);
  if (quirk.pinpad) {
    throw new PinPadUnavailableError('quirk', `the PIN pad of the ${quirk.reader} must not be used (${quirk.pinpad}; ${quirk.source})`);
  }
  return quirk;
}

function checkCommon(request: { apduHeader: Uint8Array; pinLength: PinLength; timeoutSeconds: number }): number {
  if (request.apduHeader.length !== HEADER_LENGTH) {
    throw new PinPadRequestError(`apduHeader must be CLA INS P1 P2 (4 bytes), got ${request.apduHeader.length} bytes`);
  }
  const { min, max } = request.pinLength;
  if (min !== max) {
    throw new PinPadRequestError(`the PIN pad takes a PIN of a known length (min = max), got ${min}..${max}`);
  }
  if (!Number.isInteger(min) || min < 1 || min > MAX_DIGITS) {
    throw new PinPadRequestError(`pinLength must be 1..${MAX_DIGITS} digits, got ${min}`);
  }
  if (!Number.isInteger(request.timeoutSeconds) || request.timeoutSeconds < 1 || request.timeoutSeconds > 0xff) {
    throw new PinPadRequestError(`timeoutSeconds must be 1..255, got ${request.timeoutSeconds}`);
  }
  return min;
}

function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new PinPadRequestError(`${name} must be 0..255, got ${value}`);
}

/** CLA INS P1 P2 Lc and Lc zero bytes where the reader puts the digits. */
function templateFor(header: Uint8Array, dataLength: number): Uint8Array {
  return concatBytes([header, Uint8Array.of(dataLength), new Uint8Array(dataLength)]);
}

function commonStructure(
  request: { timeoutSeconds: number },
  digits: number,
  quirk: PinpadQuirk,
  teoPrologue: Uint8Array,
  apdu: Uint8Array,
) {
  return {
    timeoutSeconds: request.timeoutSeconds,
    format: ASCII_AT_BLOCK_START,
    block: { lengthFieldBits: 0, sizeBytes: digits },
    lengthField: NO_LENGTH_FIELD,
    minDigits: digits,
    maxDigits: digits,
    entryValidation: quirk.entryValidation ?? VALIDATION_KEY,
    langId: LANG_EN_US,
    teoPrologue,
    apdu,
  };
}

/**
 * The keypad and display of a virtual PIN pad reader, and what its firmware does with
 * PC_to_RDR_Secure (USB CCID 1.1 §6.1.11): decode the PIN structure strictly (a bad field →
 * bError = its offset in the message), prompt, insert the digits where the structure says
 * (PC/SC part 10 §2.5.2 / §2.5.3), send the APDU to the card — as a T=1 I-block with the host's
 * bTeoPrologue, LEN and EDC on a TPDU T=1 reader — and return the card's answer.
 *
 * Tests script each prompt (`enter('1234')`, `cancel()`, `timeout()`); the training UI drives the
 * keys (`onPrompt`, `press`). Written from the specs; it shares no logic with the driver's
 * pinpad.ts, only the structure codec and the reader quirk table (both plain data/codecs).
 */
import { concatBytes } from '../ccid/bytes';
import { MalformedDataError } from '../ccid/errors';
import {
  decodePinOperation,
  PIN_FIELD_OFFSET,
  PinStructureError,
  type DecodedPinOperation,
  type PinModifyStructure,
  type PinVerifyStructure,
} from '../ccid/pin-structures';
import { pinStructureLayout, type PinpadQuirk } from '../ccid/pinpad-quirks';
import type { LinkAnswer } from './ccid-firmware';
import { requireIntegerIn, VirtualCardConfigError } from './virtual-card';
import { computeEdc, type Edc } from './wire-t1-block';
import { recorder } from './bounded-log';

export type PinPromptKind = 'pin' | 'current' | 'new' | 'confirm';

export interface PinPrompt {
  readonly kind: PinPromptKind;
  /** bMsgIndex of this prompt; null when the structure asks for no message or the reader's default one. */
  readonly messageIndex: number | null;
  readonly minDigits: number;
  readonly maxDigits: number;
  readonly timeoutSeconds: number;
}

export type PinPadKey = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | 'ok' | 'cancel' | 'correction';

export interface VirtualPinpadOptions {
  /** How the reader reports cancel / timeout: bError EF / F0 (default) or SW 6401 / 6400. */
  readonly refusals?: 'bError' | 'status-word';
  /** Seconds per prompt when bTimeOut is 0 (the reader's default). */
  readonly defaultTimeoutSeconds?: number;
}

/** What PC_to_RDR_Secure asks of the PIN pad, from the firmware. */
export interface SecureRequest {
  /** abData of the command (bPINOperation, structure). */
  readonly data: Uint8Array;
  /** bPINSupport of the reader: 1 verification, 2 modification. */
  readonly pinSupport: number;
  /** T=1 on a TPDU reader: the EDC in force; null where the reader sends plain APDUs (APDU level, T=0). */
  readonly t1Edc: Edc | null;
  /** One exchange with the card over the reader's link, as for XfrBlock. */
  exchange(bytes: Uint8Array): LinkAnswer;
}

/** The DataBlock's data, or the bError of a failed command. */
export type SecureAnswer = { readonly data: Uint8Array } | { readonly error: number };

export interface VirtualPinpad {
  /** Scripts the next prompt: these digits, then OK. */
  enter(digits: string): void;
  /** Scripts the next prompt: Cancel. */
  cancel(): void;
  /** Scripts the next prompt: the user does nothing until bTimeOut. */
  timeout(): void;
  /** A key pressed on the keypad, for the prompt on display (ignored when none is). */
  press(key: PinPadKey): void;
  /** Called with each prompt as it appears, and with null when the keypad goes idle. */
  onPrompt(listener: (prompt: PinPrompt | null) => void): () => void;
  readonly prompt: PinPrompt | null;
  /** Digits typed at the prompt on display (the LCD shows as many stars). */
  readonly digitsEntered: number;
  /** Every prompt shown so far. */
  readonly prompts: readonly PinPrompt[];
  /** APDUs the reader sent to the card after a PIN entry (reader side; the host never sees them). */
  readonly sentToCard: readonly Uint8Array[];
  /** The firmware's side: one PC_to_RDR_Secure. `abort()` ends it silently (CCID ABORT). */
  secure(request: SecureRequest): { readonly answer: Promise<SecureAnswer>; abort(): void };
}

/** CCID 1.1 §6.2.6 bError values of a PIN entry, and the message header before abData. */
const PIN_CANCELLED = 0xef;
const PIN_TIMEOUT = 0xf0;
const COMMAND_NOT_SUPPORTED = 0x00;
const BAD_LENGTH = 0x01;
const ICC_MUTE = 0xfe;
const CMD_ABORTED = 0xff;
const CCID_HEADER = 10;
/** PC/SC part 10: the reader's own status words for a PIN entry. */
const SW = { timeout: [0x64, 0x00], cancelled: [0x64, 0x01], mismatch: [0x64, 0x02], length: [0x64, 0x03] } as const;

/** How a prompt ended without digits. */
type Ended = { readonly kind: 'cancelled' | 'timeout' | 'length' | 'aborted' };
type Script = { readonly kind: 'enter'; readonly digits: string } | { readonly kind: 'cancel' | 'timeout' };

export function createVirtualPinpad(quirk: PinpadQuirk, options: VirtualPinpadOptions = {}): VirtualPinpad {
  const refusals = options.refusals ?? 'bError';
  const defaultTimeout = options.defaultTimeoutSeconds ?? 60;
  requireIntegerIn('PIN pad default timeout', defaultTimeout, 1, 255);
  const layout = pinStructureLayout(quirk);
  const scripts: Script[] = [];
  const listeners = new Set<(prompt: PinPrompt | null) => void>();
  const prompts: PinPrompt[] = [];
  const sentToCard: Uint8Array[] = [];
  const recordPrompt = recorder(prompts);
  const recordSent = recorder(sentToCard);
  /** The prompt on display and what was typed at it; the digits live only here, in the reader. */
  let current: { prompt: PinPrompt; validation: number; digits: string; end: (result: string | Ended) => void } | null = null;

  const show = (prompt: PinPrompt | null): void => {
    for (const listener of [...listeners]) listener(prompt);
  };

  /** Shows one prompt and resolves with the digits validated, or how the prompt ended. */
  function ask(prompt: PinPrompt, validation: number): { done: Promise<string | Ended>; abort(): void } {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let resolve: (result: string | Ended) => void = () => undefined;
    const done = new Promise<string | Ended>((r) => (resolve = r));
    const state = {
      prompt,
      validation,
      digits: '',
      end: (result: string | Ended) => {
        clearTimeout(timer);
        if (current === state) current = null;
        resolve(result);
      },
    };
    current = state;
    recordPrompt(prompt);
    timer = setTimeout(() => onTimeout(state), prompt.timeoutSeconds * 1000);
    show(prompt);
    const script = scripts.shift();
    if (script) queueMicrotask(() => play(state, script));
    return { done, abort: () => state.end({ kind: 'aborted' }) };
  }

  function play(state: NonNullable<typeof current>, script: Script): void {
    if (current !== state) return;
    if (script.kind !== 'enter') return script.kind === 'timeout' ? onTimeout(state) : press('cancel');
    for (const digit of script.digits) {
      if (current !== state) return; // validated on reaching the maximum
      press(digit as PinPadKey);
    }
    if (current === state) press('ok');
  }

  /** bEntryValidationCondition 04: the entry is taken as it is when time runs out. */
  function onTimeout(state: NonNullable<typeof current>): void {
    if (state.validation & 0x04 && state.digits.length >= state.prompt.minDigits) validate(state);
    else state.end({ kind: 'timeout' });
  }

  function validate(state: NonNullable<typeof current>): void {
    const { minDigits, maxDigits } = state.prompt;
    const n = state.digits.length;
    state.end(n < minDigits || n > maxDigits ? { kind: 'length' } : state.digits);
  }

  function press(key: PinPadKey): void {
    const state = current;
    if (!state) return;
    if (key === 'cancel') return state.end({ kind: 'cancelled' });
    if (key === 'correction') {
      state.digits = '';
      return;
    }
    if (key === 'ok') {
      if (state.validation & 0x02) validate(state);
      return;
    }
    if (state.digits.length >= state.prompt.maxDigits) return; // the keypad takes no more
    state.digits += key;
    if (state.validation & 0x01 && state.digits.length === state.prompt.maxDigits) validate(state);
  }

  function secure(request: SecureRequest): { answer: Promise<SecureAnswer>; abort(): void } {
    let aborted = false;
    let abortPrompt = (): void => undefined;
    const prepared = prepare(request);
    if ('error' in prepared) return { answer: Promise.resolve(prepared), abort: () => undefined };
    const run = async (): Promise<SecureAnswer> => {
      const pins: Partial<Record<PinPromptKind, string>> = {};
      for (const prompt of prepared.prompts) {
        const asked = ask(prompt, prepared.structure.entryValidation);
        abortPrompt = asked.abort;
        const result = await asked.done;
        if (aborted) return { error: CMD_ABORTED };
        if (typeof result !== 'string') return refuse(result.kind);
        pins[prompt.kind] = result;
      }
      if (pins.confirm !== undefined && pins.confirm !== pins.new) return { data: Uint8Array.from(SW.mismatch) };
      return toCard(request, prepared, pins);
    };
    const answer = run().finally(() => {
      if (!aborted) show(null);
    });
    return {
      answer,
      abort: () => {
        aborted = true;
        abortPrompt();
      },
    };
  }

  function refuse(kind: Ended['kind']): SecureAnswer {
    if (kind === 'aborted') return { error: CMD_ABORTED };
    if (kind === 'cancelled' && refusals === 'bError') return { error: PIN_CANCELLED };
    if (kind === 'timeout' && refusals === 'bError') return { error: PIN_TIMEOUT };
    return { data: Uint8Array.from(SW[kind]) };
  }

  function prepare(request: SecureRequest): Prepared | { error: number } {
    let decoded: DecodedPinOperation;
    try {
      decoded = decodePinOperation(request.data, layout);
    } catch (error) {
      if (error instanceof PinStructureError) return { error: CCID_HEADER + error.offset };
      if (error instanceof MalformedDataError) return { error: BAD_LENGTH };
      throw error;
    }
    const bit = decoded.operation === 'verify' ? 0x01 : 0x02;
    if (!(request.pinSupport & bit)) return { error: COMMAND_NOT_SUPPORTED };
    const refused = quirkRefusal(decoded, quirk);
    if (refused !== null) return { error: CCID_HEADER + refused };
    const { structure } = decoded;
    const apduAt = request.data.length - structure.apdu.length;
    if (request.t1Edc && (structure.teoPrologue[1] ?? 0) & 0xbf) {
      // CCID 1.1 §6.1.11: the prologue of an I-block; its PCB is 0 N(S) 0 00000 (no chaining).
      return { error: CCID_HEADER + apduAt - 2 };
    }
    // A real reader checks the whole structure before it lights the display.
    const longest = '0'.repeat(structure.maxDigits);
    const trial = completePinApdu(decoded, { pin: longest, current: longest, new: longest }, apduAt);
    if ('errorAt' in trial) return { error: CCID_HEADER + trial.errorAt };
    const timeout = structure.timeoutSeconds || defaultTimeout;
    return { decoded, structure, apduAt, prompts: promptsFor(decoded, timeout) };
  }

  function toCard(request: SecureRequest, prepared: Prepared, pins: Partial<Record<PinPromptKind, string>>): SecureAnswer {
    const built = completePinApdu(prepared.decoded, pins, prepared.apduAt);
    if ('errorAt' in built) return { error: CCID_HEADER + built.errorAt };
    recordSent(built.apdu);
    const bytes = request.t1Edc ? t1Block(prepared.structure.teoPrologue, built.apdu, request.t1Edc) : built.apdu;
    const answer = request.exchange(bytes);
    if (answer === null) return { error: ICC_MUTE };
    if (!(answer instanceof Uint8Array)) return { error: answer.error };
    return { data: answer };
  }

  return {
    enter(digits) {
      if (!/^[0-9]*$/.test(digits)) throw new VirtualCardConfigError(`PIN pad: only digits can be typed, got ${JSON.stringify(digits)}`);
      scripts.push({ kind: 'enter', digits });
    },
    cancel: () => void scripts.push({ kind: 'cancel' }),
    timeout: () => void scripts.push({ kind: 'timeout' }),
    press,
    onPrompt(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get prompt() {
      return current?.prompt ?? null;
    },
    get digitsEntered() {
      return current?.digits.length ?? 0;
    },
    prompts,
    sentToCard,
    secure,
  };
}

interface Prepared {
  readonly decoded: DecodedPinOperation;
  readonly structure: PinVerifyStructure | PinModifyStructure;
  /** Offset of abPINApdu in abData. */
  readonly apduAt: number;
  readonly prompts: readonly PinPrompt[];
}

/** The offset (in abData) of the field the firmware of this quirk row rejects, or null. */
function quirkRefusal(decoded: DecodedPinOperation, quirk: PinpadQuirk): number | null {
  const { structure } = decoded;
  const at = decoded.operation === 'verify' ? PIN_FIELD_OFFSET.verify : PIN_FIELD_OFFSET.modify;
  const numberMessage = decoded.operation === 'verify' ? quirk.verifyNumberMessage : quirk.modifyNumberMessage;
  if (numberMessage !== undefined && structure.numberMessage !== numberMessage) return at.bNumberMessage;
  if (quirk.entryValidation !== undefined && structure.entryValidation !== quirk.entryValidation) return at.bEntryValidationCondition;
  if (decoded.operation === 'modify' && quirk.zeroMessageIndexes && decoded.structure.msgIndexes.some((i) => i !== 0)) {
    return PIN_FIELD_OFFSET.modify.bMsgIndex1;
  }
  return null;
}

/** The prompts of an operation: one for a verification, per bConfirmPIN for a modification (PC/SC part 10 §2.5.3). */
function promptsFor(decoded: DecodedPinOperation, timeoutSeconds: number): PinPrompt[] {
  const s = decoded.structure;
  const base = { minDigits: s.minDigits, maxDigits: s.maxDigits, timeoutSeconds };
  // bNumberMessage 0: no message; FF: the reader's default one.
  const shown = (n: number): number => (s.numberMessage === 0xff ? 0 : s.numberMessage >= n ? n : 0);
  if (decoded.operation === 'verify') {
    return [{ ...base, kind: 'pin', messageIndex: shown(1) ? decoded.structure.msgIndex : null }];
  }
  const kinds: PinPromptKind[] = [];
  if (decoded.structure.confirmPin & 0x02) kinds.push('current');
  kinds.push('new');
  if (decoded.structure.confirmPin & 0x01) kinds.push('confirm');
  const indexes = decoded.structure.msgIndexes;
  return kinds.map((kind, i) => ({ ...base, kind, messageIndex: shown(i + 1) ? (indexes[i] ?? 0) : null }));
}

/**
 * Inserts the PIN(s) into the template as PC/SC part 10 §2.5.2 / §2.5.3 say: each PIN block starts
 * at its insertion offset in the data field (0 for a verification), holds the PIN length field and
 * the PIN frame; the template's bytes stay as fillers; Lc is recalculated. `errorAt` is the offset
 * (in abData; abPINApdu is at `apduAt`) of the field that makes the insertion impossible.
 */
export function completePinApdu(
  decoded: DecodedPinOperation,
  pins: Readonly<Partial<Record<PinPromptKind, string>>>,
  apduAt: number,
): { readonly apdu: Uint8Array } | { readonly errorAt: number } {
  const s = decoded.structure;
  const at = decoded.operation === 'verify' ? PIN_FIELD_OFFSET.verify : PIN_FIELD_OFFSET.modify;
  const header = s.apdu.subarray(0, 4);
  const lc = s.apdu.length > 4 ? (s.apdu[4] ?? 0) : 0;
  // A template is CLA INS P1 P2, or that with Lc and Lc bytes (no Le: the card answers a SW only).
  if (s.apdu.length !== 4 && s.apdu.length !== 5 + lc) return { errorAt: apduAt + 4 };
  let data: Uint8Array = s.apdu.slice(5, 5 + lc);
  const blocks: [string | undefined, number][] =
    decoded.operation === 'verify'
      ? [[pins.pin, 0]]
      : [
          [decoded.structure.confirmPin & 0x02 ? pins.current : undefined, decoded.structure.insertionOffsetOld],
          [pins.new, decoded.structure.insertionOffsetNew],
        ];
  for (const [pin, offset] of blocks) {
    if (pin === undefined) continue;
    const inserted = insertPinBlock(data, offset, pin, s);
    if (typeof inserted === 'string') return { errorAt: fieldOf(inserted, decoded) };
    data = inserted;
  }
  if (data.length > 0xff) return { errorAt: at.bmPINBlockString };
  return { apdu: concatBytes([header, Uint8Array.of(data.length), data]) };
}

/** The fields that decide whether a PIN block fits. */
type Field = 'bmPINBlockString' | 'bmPINLengthFormat';

function fieldOf(field: Field, decoded: DecodedPinOperation): number {
  return decoded.operation === 'verify' ? PIN_FIELD_OFFSET.verify[field] : PIN_FIELD_OFFSET.modify[field];
}

/** One PIN block at byte `offset` of the data field; the data grows when the block reaches past it. */
function insertPinBlock(data: Uint8Array, offset: number, pin: string, s: PinVerifyStructure | PinModifyStructure): Uint8Array | Field {
  const digitBits = s.format.coding === 'bcd' ? 4 : 8;
  const frameBits = pin.length * digitBits;
  const unit = (u: 'bit' | 'byte'): number => (u === 'byte' ? 8 : 1);
  // bPINBlockSize 0: the block is as long as what it holds.
  const lengthEnd = s.block.lengthFieldBits ? s.lengthField.position * unit(s.lengthField.unit) + s.block.lengthFieldBits : 0;
  const left = s.format.frameOffset * unit(s.format.offsetUnit);
  const blockBits = s.block.sizeBytes ? s.block.sizeBytes * 8 : Math.ceil(Math.max(lengthEnd, left + frameBits) / 8) * 8;
  const start = s.format.justification === 'left' ? left : blockBits - frameBits;
  if (start < 0 || start + frameBits > blockBits) return 'bmPINBlockString';
  if (lengthEnd > blockBits) return 'bmPINLengthFormat';
  const out = new Uint8Array(Math.max(data.length, offset + blockBits / 8));
  out.set(data);
  const base = offset * 8;
  if (s.block.lengthFieldBits) {
    writeBits(out, base + lengthEnd - s.block.lengthFieldBits, s.block.lengthFieldBits, pin.length);
  }
  [...pin].forEach((char, i) => {
    const digit = char.charCodeAt(0) - 0x30;
    writeBits(out, base + start + i * digitBits, digitBits, s.format.coding === 'ascii' ? 0x30 + digit : digit);
  });
  return out;
}

/** Writes `value` in `count` bits from bit `at` (bit 0 = the most significant bit of byte 0). */
function writeBits(bytes: Uint8Array, at: number, count: number, value: number): void {
  for (let i = 0; i < count; i++) {
    const bit = (value >> (count - 1 - i)) & 1;
    const index = (at + i) >> 3;
    const mask = 0x80 >> ((at + i) & 7);
    bytes[index] = bit ? (bytes[index] ?? 0) | mask : (bytes[index] ?? 0) & ~mask;
  }
}

/** The I-block the reader sends: NAD and PCB from bTeoPrologue, LEN of the APDU, EDC (ISO/IEC 7816-3 §11.3). */
function t1Block(prologue: Uint8Array, apdu: Uint8Array, edc: Edc): Uint8Array {
  const covered = concatBytes([Uint8Array.of(prologue[0] ?? 0, prologue[1] ?? 0, apdu.length), apdu]);
  return concatBytes([covered, computeEdc(edc, covered)]);
}

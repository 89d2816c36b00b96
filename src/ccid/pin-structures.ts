/**
 * abData of PC_to_RDR_Secure for PIN verification and modification (USB CCID 1.1 §6.1.11, "PIN
 * Verification / Modification Data Structure"): bPINOperation, then the PC/SC part 10
 * PIN_VERIFY / PIN_MODIFY structure (PC/SC part 10 §2.5.2, §2.5.3) without bTimeOut2 and
 * ulDataLength, which CCID does not carry. Pure encoders and a strict decoder (the virtual reader
 * uses it), with the two byte layouts real firmware is known to read differently (pinpad-quirks.ts).
 */
import { hexByte, readLayout, requireLength, writeLayout, type Layout } from './bytes';
import { MalformedDataError } from './errors';

/** bPINOperation (CCID 1.1 §6.1.11); only the first two start a PIN entry. */
export const PinOperation = { verify: 0x00, modify: 0x01 } as const;

/** bPINFrameCoding, bits 1..0 of bmFormatString (PC/SC part 10 §2.5.2). */
export type PinCoding = 'binary' | 'bcd' | 'ascii';
const CODINGS: readonly PinCoding[] = ['binary', 'bcd', 'ascii'];

/** bmFormatString: where and how the digits go in the PIN block. */
export interface PinFormat {
  /** Bit 7: units of frameOffset (and of nothing else). */
  readonly offsetUnit: 'bit' | 'byte';
  /** Bits 6..3: offset of the PIN frame from the start of the PIN block, 0..15. */
  readonly frameOffset: number;
  /** Bit 2: fillers at the right (left-justified) or at the left. */
  readonly justification: 'left' | 'right';
  readonly coding: PinCoding;
}

/** bmPINBlockString: bits 7..4 size in bits of the PIN length field (0 = none), bits 3..0 PIN block size in bytes. */
export interface PinBlock {
  readonly lengthFieldBits: number;
  readonly sizeBytes: number;
}

/** bmPINLengthFormat: bit 4 unit, bits 3..0 position of the PIN length field in the PIN block. */
export interface PinLengthField {
  readonly unit: 'bit' | 'byte';
  readonly position: number;
}

interface PinEntryStructure {
  /** bTimeOut, seconds; 0 = the reader's default. */
  readonly timeoutSeconds: number;
  readonly format: PinFormat;
  readonly block: PinBlock;
  readonly lengthField: PinLengthField;
  /** wPINMaxExtraDigit, 0xXXYY: XX minimum, YY maximum number of digits. */
  readonly minDigits: number;
  readonly maxDigits: number;
  /** bEntryValidationCondition: 1 max size reached, 2 validation key, 4 timeout (bit OR, 1..7). */
  readonly entryValidation: number;
  /** bNumberMessage: 0 none, 1..3 messages bMsgIndex.., 0xFF the reader's default message. */
  readonly numberMessage: number;
  readonly langId: number;
  /** bTeoPrologue: NAD PCB LEN of the T=1 I-block on a TPDU reader; zeros otherwise. */
  readonly teoPrologue: Uint8Array;
  /** abPINApdu: the command APDU the reader completes with the PIN. */
  readonly apdu: Uint8Array;
}

export interface PinVerifyStructure extends PinEntryStructure {
  readonly msgIndex: number;
}

export interface PinModifyStructure extends PinEntryStructure {
  /** Offsets in bytes, in the APDU data field, of the current and the new PIN block. */
  readonly insertionOffsetOld: number;
  readonly insertionOffsetNew: number;
  /** bConfirmPIN: bit 0 confirmation of the new PIN requested, bit 1 current PIN requested. */
  readonly confirmPin: number;
  /** bMsgIndex1..3; how many are on the wire depends on bNumberMessage and the layout. */
  readonly msgIndexes: readonly [number, number, number];
}

export type DecodedPinOperation =
  | { readonly operation: 'verify'; readonly structure: PinVerifyStructure }
  | { readonly operation: 'modify'; readonly structure: PinModifyStructure };

/** How a reader's firmware lays out the fields that the spec leaves to bNumberMessage or byte order. */
export interface PinStructureLayout {
  /** wPINMaxExtraDigit with its two bytes reversed (libccid: Dell keyboard SK-3106). */
  readonly minMaxSwapped?: boolean;
  /**
   * 'ccid': bMsgIndex2 only when bNumberMessage ≠ 0, bMsgIndex3 only when it is 3 (CCID 1.1
   * §6.1.11); 'always-three': the three indexes are always there (libccid: Gemalto firmware).
   */
  readonly modifyMessageIndexes?: 'ccid' | 'always-three';
}

/** A field of the structure that no reader could accept; `offset` is in abData (bPINOperation = 0). */
export class PinStructureError extends MalformedDataError {}

const VERIFY = {
  bPINOperation: [0, 'u8'],
  bTimeOut: [1, 'u8'],
  bmFormatString: [2, 'u8'],
  bmPINBlockString: [3, 'u8'],
  bmPINLengthFormat: [4, 'u8'],
  wPINMaxExtraDigit: [5, 'u16'],
  bEntryValidationCondition: [7, 'u8'],
  bNumberMessage: [8, 'u8'],
  wLangId: [9, 'u16'],
  bMsgIndex: [11, 'u8'],
} as const satisfies Layout;
const VERIFY_FIXED = 12;

const MODIFY = {
  bPINOperation: [0, 'u8'],
  bTimeOut: [1, 'u8'],
  bmFormatString: [2, 'u8'],
  bmPINBlockString: [3, 'u8'],
  bmPINLengthFormat: [4, 'u8'],
  bInsertionOffsetOld: [5, 'u8'],
  bInsertionOffsetNew: [6, 'u8'],
  wPINMaxExtraDigit: [7, 'u16'],
  bConfirmPIN: [9, 'u8'],
  bEntryValidationCondition: [10, 'u8'],
  bNumberMessage: [11, 'u8'],
  wLangId: [12, 'u16'],
  bMsgIndex1: [14, 'u8'],
} as const satisfies Layout;
const MODIFY_FIXED = 15;

/** Field offsets in abData, for messages and for the bError a reader returns (add the 10-byte header). */
export const PIN_FIELD_OFFSET = {
  verify: Object.fromEntries(Object.entries(VERIFY).map(([k, [at]]) => [k, at])) as Record<keyof typeof VERIFY, number>,
  modify: Object.fromEntries(Object.entries(MODIFY).map(([k, [at]]) => [k, at])) as Record<keyof typeof MODIFY, number>,
};

const TEO_PROLOGUE_LENGTH = 3;
/** CLA INS P1 P2 at least (PC/SC part 10 §2.5.2, abData). */
const MIN_APDU = 4;
const DEFAULT_MESSAGE = 0xff;

/* ---- encoding ---------------------------------------------------------------------------------- */

export function encodePinVerify(s: PinVerifyStructure, layout: PinStructureLayout = {}): Uint8Array {
  const out = new Uint8Array(VERIFY_FIXED + TEO_PROLOGUE_LENGTH + s.apdu.length);
  writeLayout(
    VERIFY,
    {
      ...commonFields(s, layout, PIN_FIELD_OFFSET.verify, VERIFY_FIXED),
      bPINOperation: PinOperation.verify,
      bMsgIndex: s.msgIndex,
    },
    out,
  );
  out.set(s.teoPrologue, VERIFY_FIXED);
  out.set(s.apdu, VERIFY_FIXED + TEO_PROLOGUE_LENGTH);
  decodePinOperation(out, layout); // what we send obeys the rules we enforce as a reader
  return out;
}

export function encodePinModify(s: PinModifyStructure, layout: PinStructureLayout = {}): Uint8Array {
  const indexes = modifyIndexCount(s.numberMessage, layout);
  const fixed = MODIFY_FIXED - 1 + indexes;
  const out = new Uint8Array(fixed + TEO_PROLOGUE_LENGTH + s.apdu.length);
  writeLayout(
    MODIFY,
    {
      ...commonFields(s, layout, PIN_FIELD_OFFSET.modify, fixed),
      bPINOperation: PinOperation.modify,
      bInsertionOffsetOld: s.insertionOffsetOld,
      bInsertionOffsetNew: s.insertionOffsetNew,
      bConfirmPIN: s.confirmPin,
      bMsgIndex1: s.msgIndexes[0],
    },
    out,
  );
  out.set(s.msgIndexes.slice(0, indexes), MODIFY_FIXED - 1);
  out.set(s.teoPrologue, fixed);
  out.set(s.apdu, fixed + TEO_PROLOGUE_LENGTH);
  decodePinOperation(out, layout);
  return out;
}

/** Fields whose values must fit before they are packed into bits (the decoder checks the rest). */
function commonFields(s: PinEntryStructure, layout: PinStructureLayout, at: Readonly<Record<keyof CommonRaw, number>>, prologueAt: number) {
  for (const [name, value, max, offset] of [
    ['frameOffset', s.format.frameOffset, 15, at.bmFormatString],
    ['lengthFieldBits', s.block.lengthFieldBits, 15, at.bmPINBlockString],
    ['sizeBytes', s.block.sizeBytes, 15, at.bmPINBlockString],
    ['position', s.lengthField.position, 15, at.bmPINLengthFormat],
    ['minDigits', s.minDigits, 0xff, at.wPINMaxExtraDigit],
    ['maxDigits', s.maxDigits, 0xff, at.wPINMaxExtraDigit],
    ['timeoutSeconds', s.timeoutSeconds, 0xff, at.bTimeOut],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new PinStructureError(`PIN structure to encode, ${name}`, offset, `an integer in 0..${max}`, String(value));
    }
  }
  if (s.teoPrologue.length !== TEO_PROLOGUE_LENGTH) {
    throw new PinStructureError('PIN structure to encode, bTeoPrologue', prologueAt, '3 bytes', `${s.teoPrologue.length} bytes`);
  }
  const format =
    (s.format.offsetUnit === 'byte' ? 0x80 : 0) |
    (s.format.frameOffset << 3) |
    (s.format.justification === 'right' ? 0x04 : 0) |
    CODINGS.indexOf(s.format.coding);
  const [high, low] = layout.minMaxSwapped ? [s.maxDigits, s.minDigits] : [s.minDigits, s.maxDigits];
  return {
    bTimeOut: s.timeoutSeconds,
    bmFormatString: format,
    bmPINBlockString: (s.block.lengthFieldBits << 4) | s.block.sizeBytes,
    bmPINLengthFormat: (s.lengthField.unit === 'byte' ? 0x10 : 0) | s.lengthField.position,
    wPINMaxExtraDigit: (high << 8) | low,
    bEntryValidationCondition: s.entryValidation,
    bNumberMessage: s.numberMessage,
    wLangId: s.langId,
  };
}

/* ---- decoding ---------------------------------------------------------------------------------- */

/** Decodes abData of PC_to_RDR_Secure strictly; every bad field is a PinStructureError at its offset. */
export function decodePinOperation(data: Uint8Array, layout: PinStructureLayout = {}): DecodedPinOperation {
  requireLength('PC_to_RDR_Secure abData', data, 0, 1);
  const operation = data[0] ?? 0;
  if (operation === PinOperation.verify) return { operation: 'verify', structure: decodeVerify(data, layout) };
  if (operation === PinOperation.modify) return { operation: 'modify', structure: decodeModify(data, layout) };
  throw new PinStructureError('bPINOperation', 0, '00 (verify) or 01 (modify)', `0x${hexByte(operation)}`);
}

function decodeVerify(data: Uint8Array, layout: PinStructureLayout): PinVerifyStructure {
  const what = 'PIN verification structure';
  requireStructure(what, data, VERIFY_FIXED);
  const f = readLayout(VERIFY, data);
  const common = decodeCommon(what, data, f, PIN_FIELD_OFFSET.verify, layout, VERIFY_FIXED);
  if (![0, 1, DEFAULT_MESSAGE].includes(f.bNumberMessage)) {
    fieldError(what, 'bNumberMessage', PIN_FIELD_OFFSET.verify.bNumberMessage, '00, 01 or FF', f.bNumberMessage);
  }
  return { ...common, msgIndex: f.bMsgIndex };
}

function decodeModify(data: Uint8Array, layout: PinStructureLayout): PinModifyStructure {
  const what = 'PIN modification structure';
  requireStructure(what, data, MODIFY_FIXED);
  const f = readLayout(MODIFY, data);
  const at = PIN_FIELD_OFFSET.modify;
  if (f.bNumberMessage > 3 && f.bNumberMessage !== DEFAULT_MESSAGE) {
    fieldError(what, 'bNumberMessage', at.bNumberMessage, '00..03 or FF', f.bNumberMessage);
  }
  if (f.bConfirmPIN > 3) fieldError(what, 'bConfirmPIN', at.bConfirmPIN, '00..03', f.bConfirmPIN);
  const indexes = modifyIndexCount(f.bNumberMessage, layout);
  const fixed = MODIFY_FIXED - 1 + indexes;
  requireStructure(what, data, fixed);
  const common = decodeCommon(what, data, f, at, layout, fixed);
  const msgIndexes: [number, number, number] = [f.bMsgIndex1, 0, 0];
  for (let i = 1; i < indexes; i++) msgIndexes[i] = data[MODIFY_FIXED - 1 + i] ?? 0;
  return {
    ...common,
    insertionOffsetOld: f.bInsertionOffsetOld,
    insertionOffsetNew: f.bInsertionOffsetNew,
    confirmPin: f.bConfirmPIN,
    msgIndexes,
  };
}

type CommonRaw = {
  bTimeOut: number;
  bmFormatString: number;
  bmPINBlockString: number;
  bmPINLengthFormat: number;
  wPINMaxExtraDigit: number;
  bEntryValidationCondition: number;
  bNumberMessage: number;
  wLangId: number;
};

function decodeCommon(
  what: string,
  data: Uint8Array,
  f: CommonRaw,
  at: Readonly<Record<keyof CommonRaw, number>>,
  layout: PinStructureLayout,
  prologueAt: number,
): PinEntryStructure {
  const coding = CODINGS[f.bmFormatString & 0x03];
  if (!coding) fieldError(what, 'bmFormatString', at.bmFormatString, 'PIN coding binary, BCD or ASCII', f.bmFormatString);
  // PC/SC part 10 §2.5.2: bits 7..5 of bmPINLengthFormat are RFU.
  if (f.bmPINLengthFormat & 0xe0) fieldError(what, 'bmPINLengthFormat', at.bmPINLengthFormat, 'bits 7..5 clear', f.bmPINLengthFormat);
  const high = f.wPINMaxExtraDigit >> 8;
  const low = f.wPINMaxExtraDigit & 0xff;
  const [minDigits, maxDigits] = layout.minMaxSwapped ? [low, high] : [high, low];
  if (maxDigits === 0 || minDigits > maxDigits) {
    throw new PinStructureError(`${what} wPINMaxExtraDigit`, at.wPINMaxExtraDigit, 'minimum ≤ maximum, maximum ≥ 1', `min ${minDigits}, max ${maxDigits}`);
  }
  if (f.bEntryValidationCondition === 0 || f.bEntryValidationCondition > 7) {
    fieldError(what, 'bEntryValidationCondition', at.bEntryValidationCondition, '01..07', f.bEntryValidationCondition);
  }
  const apdu = data.slice(prologueAt + TEO_PROLOGUE_LENGTH);
  return {
    timeoutSeconds: f.bTimeOut,
    format: {
      offsetUnit: f.bmFormatString & 0x80 ? 'byte' : 'bit',
      frameOffset: (f.bmFormatString >> 3) & 0x0f,
      justification: f.bmFormatString & 0x04 ? 'right' : 'left',
      coding: coding ?? 'ascii',
    },
    block: { lengthFieldBits: f.bmPINBlockString >> 4, sizeBytes: f.bmPINBlockString & 0x0f },
    lengthField: { unit: f.bmPINLengthFormat & 0x10 ? 'byte' : 'bit', position: f.bmPINLengthFormat & 0x0f },
    minDigits,
    maxDigits,
    entryValidation: f.bEntryValidationCondition,
    numberMessage: f.bNumberMessage,
    langId: f.wLangId,
    teoPrologue: data.slice(prologueAt, prologueAt + TEO_PROLOGUE_LENGTH),
    apdu,
  };
}

/** bMsgIndex1 is always there; 2 when bNumberMessage ≠ 0, 3 when it is 3 (CCID 1.1 §6.1.11). */
function modifyIndexCount(numberMessage: number, layout: PinStructureLayout): number {
  if (layout.modifyMessageIndexes === 'always-three') return 3;
  if (numberMessage === 3) return 3;
  return numberMessage === 0 ? 1 : 2;
}

function requireStructure(what: string, data: Uint8Array, fixed: number): void {
  const needed = fixed + TEO_PROLOGUE_LENGTH + MIN_APDU;
  if (data.length < needed) {
    throw new PinStructureError(what, data.length, `at least ${needed} bytes (the fields, bTeoPrologue, CLA INS P1 P2)`, `${data.length} bytes`);
  }
}

function fieldError(what: string, field: string, offset: number, expected: string, got: number): never {
  throw new PinStructureError(`${what} ${field}`, offset, expected, `0x${hexByte(got)}`);
}

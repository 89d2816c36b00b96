/**
 * CCID messages (USB CCID 1.1 §6): the 10-byte header + data of every bulk and interrupt message,
 * as pure encoders and decoders. The driver encodes commands and decodes responses; the virtual
 * reader does the opposite with the same tables.
 */
import { hexByte, readLayout, requireLength, writeLayout, type Layout } from './bytes';
import { MalformedDataError } from './errors';

export const HEADER_LENGTH = 10;

/** The common header; bytes 7..9 are message-specific (named per message below). CCID 1.1 §6.1. */
const HEADER = {
  bMessageType: [0, 'u8'],
  dwLength: [1, 'u32'],
  bSlot: [5, 'u8'],
  bSeq: [6, 'u8'],
  b7: [7, 'u8'],
  b8: [8, 'u8'],
  b9: [9, 'u8'],
} as const satisfies Layout;

/* ---- PC_to_RDR (bulk OUT), CCID 1.1 §6.1 ----------------------------------------------------- */

export type Command =
  | { readonly type: 'SetParameters'; readonly protocol: number; readonly data: Uint8Array }
  | { readonly type: 'IccPowerOn'; readonly powerSelect: number }
  | { readonly type: 'IccPowerOff' }
  | { readonly type: 'GetSlotStatus' }
  | { readonly type: 'Secure'; readonly bwi: number; readonly levelParameter: number; readonly data: Uint8Array }
  | { readonly type: 'T0Apdu'; readonly changes: number; readonly classGetResponse: number; readonly classEnvelope: number }
  | { readonly type: 'Escape'; readonly data: Uint8Array }
  | { readonly type: 'GetParameters' }
  | { readonly type: 'ResetParameters' }
  | { readonly type: 'IccClock'; readonly clockCommand: number }
  | { readonly type: 'XfrBlock'; readonly bwi: number; readonly levelParameter: number; readonly data: Uint8Array }
  | { readonly type: 'Mechanical'; readonly function: number }
  | { readonly type: 'Abort' }
  | { readonly type: 'SetDataRateAndClockFrequency'; readonly clockFrequency: number; readonly dataRate: number };

export type CommandType = Command['type'];

export const COMMAND_CODES: Readonly<Record<CommandType, number>> = {
  SetParameters: 0x61,
  IccPowerOn: 0x62,
  IccPowerOff: 0x63,
  GetSlotStatus: 0x65,
  Secure: 0x69,
  T0Apdu: 0x6a,
  Escape: 0x6b,
  GetParameters: 0x6c,
  ResetParameters: 0x6d,
  IccClock: 0x6e,
  XfrBlock: 0x6f,
  Mechanical: 0x71,
  Abort: 0x72,
  SetDataRateAndClockFrequency: 0x73,
};

const COMMAND_BY_CODE = invert(COMMAND_CODES);

/** Header bytes 7..9 and the data of a command. */
function commandParts(c: Command): { b7: number; b8: number; b9: number; data: Uint8Array } {
  const none = new Uint8Array(0);
  switch (c.type) {
    case 'SetParameters':
      return { b7: c.protocol, b8: 0, b9: 0, data: c.data };
    case 'IccPowerOn':
      return { b7: c.powerSelect, b8: 0, b9: 0, data: none };
    case 'Secure':
    case 'XfrBlock':
      return { b7: c.bwi, b8: c.levelParameter & 0xff, b9: c.levelParameter >> 8, data: c.data };
    case 'T0Apdu':
      return { b7: c.changes, b8: c.classGetResponse, b9: c.classEnvelope, data: none };
    case 'Escape':
      return { b7: 0, b8: 0, b9: 0, data: c.data };
    case 'IccClock':
      return { b7: c.clockCommand, b8: 0, b9: 0, data: none };
    case 'Mechanical':
      return { b7: c.function, b8: 0, b9: 0, data: none };
    case 'SetDataRateAndClockFrequency':
      return { b7: 0, b8: 0, b9: 0, data: u32Pair(c.clockFrequency, c.dataRate) };
    case 'IccPowerOff':
    case 'GetSlotStatus':
    case 'GetParameters':
    case 'ResetParameters':
    case 'Abort':
      return { b7: 0, b8: 0, b9: 0, data: none };
  }
}

export function encodeCommand(command: Command, slot: number, seq: number): Uint8Array<ArrayBuffer> {
  const { b7, b8, b9, data } = commandParts(command);
  return frame(COMMAND_CODES[command.type], slot, seq, b7, b8, b9, data);
}

export interface DecodedCommand {
  readonly slot: number;
  readonly seq: number;
  readonly command: Command;
}

/** Decodes a PC_to_RDR message (used by the virtual reader's firmware). */
export function decodeCommand(bytes: Uint8Array): DecodedCommand {
  const what = 'PC_to_RDR message';
  const h = readHeader(what, bytes);
  const type = COMMAND_BY_CODE.get(h.bMessageType);
  if (!type) throw new MalformedDataError(what, 0, 'a PC_to_RDR bMessageType', `0x${hexByte(h.bMessageType)}`);
  const data = bytes.subarray(HEADER_LENGTH);
  const level = h.b8 | (h.b9 << 8);
  const base = { slot: h.bSlot, seq: h.bSeq };
  switch (type) {
    case 'SetParameters':
      return { ...base, command: { type, protocol: h.b7, data } };
    case 'IccPowerOn':
      return { ...base, command: { type, powerSelect: h.b7 } };
    case 'Secure':
    case 'XfrBlock':
      return { ...base, command: { type, bwi: h.b7, levelParameter: level, data } };
    case 'T0Apdu':
      return { ...base, command: { type, changes: h.b7, classGetResponse: h.b8, classEnvelope: h.b9 } };
    case 'Escape':
      return { ...base, command: { type, data } };
    case 'IccClock':
      return { ...base, command: { type, clockCommand: h.b7 } };
    case 'Mechanical':
      return { ...base, command: { type, function: h.b7 } };
    case 'SetDataRateAndClockFrequency': {
      expectDataLength(what, type, data.length, 8);
      const [clockFrequency, dataRate] = readU32Pair(data);
      return { ...base, command: { type, clockFrequency, dataRate } };
    }
    case 'IccPowerOff':
    case 'GetSlotStatus':
    case 'GetParameters':
    case 'ResetParameters':
    case 'Abort':
      expectDataLength(what, type, data.length, 0);
      return { ...base, command: { type } };
  }
}

/* ---- RDR_to_PC (bulk IN), CCID 1.1 §6.2 ------------------------------------------------------ */

/** bmICCStatus, bits 0..1 of bStatus (CCID 1.1 §6.2.6). */
export type IccStatus = 'active' | 'inactive' | 'absent';
/** bmCommandStatus, bits 6..7 of bStatus. */
export type CommandStatus = 'ok' | 'failed' | 'timeExtension';

const ICC_STATUS: readonly IccStatus[] = ['active', 'inactive', 'absent'];
const COMMAND_STATUS: readonly CommandStatus[] = ['ok', 'failed', 'timeExtension'];

interface ResponseBase {
  readonly slot: number;
  readonly seq: number;
  readonly iccStatus: IccStatus;
  readonly commandStatus: CommandStatus;
  /** bError: 0 on success; on failure the error code; on time extension the BWT multiplier. */
  readonly error: number;
}

export type Response =
  | (ResponseBase & { readonly type: 'DataBlock'; readonly chainParameter: number; readonly data: Uint8Array })
  | (ResponseBase & { readonly type: 'SlotStatus'; readonly clockStatus: number })
  | (ResponseBase & { readonly type: 'Parameters'; readonly protocol: number; readonly data: Uint8Array })
  | (ResponseBase & { readonly type: 'Escape'; readonly data: Uint8Array })
  | (ResponseBase & {
      readonly type: 'DataRateAndClockFrequency';
      readonly clockFrequency: number;
      readonly dataRate: number;
    });

export type ResponseType = Response['type'];

export const RESPONSE_CODES: Readonly<Record<ResponseType, number>> = {
  DataBlock: 0x80,
  SlotStatus: 0x81,
  Parameters: 0x82,
  Escape: 0x83,
  DataRateAndClockFrequency: 0x84,
};

const RESPONSE_BY_CODE = invert(RESPONSE_CODES);

/** Which response answers which command (CCID 1.1 §6.1, each command's "response" line). */
export const RESPONSE_TO: Readonly<Record<CommandType, ResponseType>> = {
  SetParameters: 'Parameters',
  IccPowerOn: 'DataBlock',
  IccPowerOff: 'SlotStatus',
  GetSlotStatus: 'SlotStatus',
  Secure: 'DataBlock',
  T0Apdu: 'SlotStatus',
  Escape: 'Escape',
  GetParameters: 'Parameters',
  ResetParameters: 'Parameters',
  IccClock: 'SlotStatus',
  XfrBlock: 'DataBlock',
  Mechanical: 'SlotStatus',
  Abort: 'SlotStatus',
  SetDataRateAndClockFrequency: 'DataRateAndClockFrequency',
};

/** Length of the T=0 / T=1 protocol data structure (CCID 1.1 §6.1.7, Tables 6.1-4 and 6.1-5). */
export const PROTOCOL_DATA_LENGTH: Readonly<Record<number, number>> = { 0: 5, 1: 7 };

/**
 * Decodes one RDR_to_PC message. dwLength must match the bytes received exactly: a frame that is
 * shorter is truncated, a longer one carries garbage; both are typed errors.
 */
export function decodeResponse(bytes: Uint8Array): Response {
  const what = 'RDR_to_PC message';
  const h = readHeader(what, bytes);
  const type = RESPONSE_BY_CODE.get(h.bMessageType);
  if (!type) throw new MalformedDataError(what, 0, 'a RDR_to_PC bMessageType', `0x${hexByte(h.bMessageType)}`);
  const iccStatus = ICC_STATUS[h.b7 & 0x03];
  const commandStatus = COMMAND_STATUS[(h.b7 >> 6) & 0x03];
  if (!iccStatus || !commandStatus || (h.b7 & 0x3c) !== 0) {
    throw new MalformedDataError(what, 7, 'a bStatus with defined bits only', `0x${hexByte(h.b7)}`);
  }
  const data = bytes.subarray(HEADER_LENGTH);
  const base: ResponseBase = { slot: h.bSlot, seq: h.bSeq, iccStatus, commandStatus, error: h.b8 };
  // A failed command, or a time extension (CCID 1.1 §6.2.6: bError is then the BWT multiplier),
  // may come without the payload its message type carries when the command succeeds.
  const noPayload = commandStatus !== 'ok' && data.length === 0;
  switch (type) {
    case 'DataBlock':
      return { ...base, type, chainParameter: h.b9, data };
    case 'SlotStatus':
      expectDataLength(what, type, data.length, 0);
      return { ...base, type, clockStatus: h.b9 };
    case 'Parameters': {
      const expected = PROTOCOL_DATA_LENGTH[h.b9];
      if (!noPayload) {
        if (expected === undefined) throw new MalformedDataError(what, 9, 'bProtocolNum 0 or 1', String(h.b9));
        expectDataLength(what, type, data.length, expected);
      }
      return { ...base, type, protocol: h.b9, data };
    }
    case 'Escape':
      return { ...base, type, data };
    case 'DataRateAndClockFrequency': {
      if (noPayload) return { ...base, type, clockFrequency: 0, dataRate: 0 };
      expectDataLength(what, type, data.length, 8);
      const [clockFrequency, dataRate] = readU32Pair(data);
      return { ...base, type, clockFrequency, dataRate };
    }
  }
}

export type ResponseFields =
  | { readonly type: 'DataBlock'; readonly chainParameter?: number; readonly data?: Uint8Array }
  | { readonly type: 'SlotStatus'; readonly clockStatus?: number }
  | { readonly type: 'Parameters'; readonly protocol: number; readonly data?: Uint8Array }
  | { readonly type: 'Escape'; readonly data?: Uint8Array }
  | { readonly type: 'DataRateAndClockFrequency'; readonly clockFrequency: number; readonly dataRate: number };

/** Encodes a RDR_to_PC message (used by the virtual reader's firmware). */
export function encodeResponse(
  fields: ResponseFields,
  status: { slot: number; seq: number; iccStatus: IccStatus; commandStatus: CommandStatus; error: number },
): Uint8Array {
  const bStatus = ICC_STATUS.indexOf(status.iccStatus) | (COMMAND_STATUS.indexOf(status.commandStatus) << 6);
  const code = RESPONSE_CODES[fields.type];
  const empty = new Uint8Array(0);
  switch (fields.type) {
    case 'DataBlock':
      return frame(code, status.slot, status.seq, bStatus, status.error, fields.chainParameter ?? 0, fields.data ?? empty);
    case 'SlotStatus':
      return frame(code, status.slot, status.seq, bStatus, status.error, fields.clockStatus ?? 0, empty);
    case 'Parameters':
      return frame(code, status.slot, status.seq, bStatus, status.error, fields.protocol, fields.data ?? empty);
    case 'Escape':
      return frame(code, status.slot, status.seq, bStatus, status.error, 0, fields.data ?? empty);
    case 'DataRateAndClockFrequency':
      return frame(code, status.slot, status.seq, bStatus, status.error, 0, u32Pair(fields.clockFrequency, fields.dataRate));
  }
}

/**
 * Length of the message that starts `bytes` (10 + dwLength), or null when fewer than 5 bytes are
 * there to tell. The transport uses it to join a response that arrived in several transfers.
 */
export function frameLength(bytes: Uint8Array): number | null {
  if (bytes.length < 5) return null;
  return HEADER_LENGTH + readLayout({ dwLength: [1, 'u32'] }, bytes).dwLength;
}

/* ---- RDR_to_PC on the interrupt endpoint, CCID 1.1 §6.3 -------------------------------------- */

export type InterruptMessage =
  | {
      readonly type: 'NotifySlotChange';
      /** One entry per slot the bitmap covers (4 slots per byte). */
      readonly slots: readonly { readonly slot: number; readonly present: boolean; readonly changed: boolean }[];
    }
  | { readonly type: 'HardwareError'; readonly slot: number; readonly seq: number; readonly code: number };

export const INTERRUPT_CODES = { NotifySlotChange: 0x50, HardwareError: 0x51 } as const;

/**
 * Decodes an interrupt message. NotifySlotChange carries bmSlotICCState, 2 bits per slot (bit 0
 * present, bit 1 changed), padded to whole bytes (CCID 1.1 §6.3.1); `slotCount`, when given, is
 * checked against the bitmap's size.
 */
export function decodeInterrupt(bytes: Uint8Array, slotCount?: number): InterruptMessage {
  const what = 'interrupt message';
  requireLength(what, bytes, 0, 1);
  const code = bytes[0] ?? 0;
  if (code === INTERRUPT_CODES.NotifySlotChange) {
    const needed = Math.ceil(((slotCount ?? 1) * 2) / 8);
    if (bytes.length < 1 + needed) {
      throw new MalformedDataError(what, bytes.length, `${1 + needed} bytes for ${slotCount ?? 1} slot(s)`, `${bytes.length} bytes`);
    }
    const covered = slotCount ?? (bytes.length - 1) * 4;
    const slots = [];
    for (let slot = 0; slot < covered; slot++) {
      const bits = ((bytes[1 + (slot >> 2)] ?? 0) >> ((slot & 3) * 2)) & 0x03;
      slots.push({ slot, present: (bits & 1) !== 0, changed: (bits & 2) !== 0 });
    }
    return { type: 'NotifySlotChange', slots };
  }
  if (code === INTERRUPT_CODES.HardwareError) {
    if (bytes.length !== 4) throw new MalformedDataError(what, bytes.length, '4 bytes (RDR_to_PC_HardwareError)', `${bytes.length} bytes`);
    return { type: 'HardwareError', slot: bytes[1] ?? 0, seq: bytes[2] ?? 0, code: bytes[3] ?? 0 };
  }
  throw new MalformedDataError(what, 0, 'bMessageType 0x50 or 0x51', `0x${hexByte(code)}`);
}

export function encodeNotifySlotChange(slots: readonly { present: boolean; changed: boolean }[]): Uint8Array {
  const out = new Uint8Array(1 + Math.ceil((slots.length * 2) / 8));
  out[0] = INTERRUPT_CODES.NotifySlotChange;
  slots.forEach((s, slot) => {
    const bits = (s.present ? 1 : 0) | (s.changed ? 2 : 0);
    out[1 + (slot >> 2)] = (out[1 + (slot >> 2)] ?? 0) | (bits << ((slot & 3) * 2));
  });
  return out;
}

export function encodeHardwareError(slot: number, seq: number, code: number): Uint8Array {
  return Uint8Array.of(INTERRUPT_CODES.HardwareError, slot, seq, code);
}

/* ---- helpers --------------------------------------------------------------------------------- */

function frame(code: number, slot: number, seq: number, b7: number, b8: number, b9: number, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(HEADER_LENGTH + data.length);
  writeLayout(HEADER, { bMessageType: code, dwLength: data.length, bSlot: slot, bSeq: seq, b7, b8, b9 }, out);
  out.set(data, HEADER_LENGTH);
  return out;
}

function readHeader(what: string, bytes: Uint8Array) {
  requireLength(what, bytes, 0, HEADER_LENGTH);
  const h = readLayout(HEADER, bytes);
  const actual = bytes.length - HEADER_LENGTH;
  if (h.dwLength !== actual) {
    throw new MalformedDataError(what, 1, `dwLength ${actual} (bytes received after the header)`, String(h.dwLength));
  }
  return h;
}

function expectDataLength(what: string, type: string, got: number, expected: number): void {
  if (got !== expected) throw new MalformedDataError(`${what} ${type}`, 1, `dwLength ${expected}`, String(got));
}

function u32Pair(a: number, b: number): Uint8Array {
  const out = new Uint8Array(8);
  writeLayout(PAIR, { a, b }, out);
  return out;
}

const PAIR = { a: [0, 'u32'], b: [4, 'u32'] } as const satisfies Layout;

function readU32Pair(bytes: Uint8Array): [number, number] {
  const { a, b } = readLayout(PAIR, bytes);
  return [a, b];
}

function invert<K extends string>(table: Readonly<Record<K, number>>): Map<number, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
}

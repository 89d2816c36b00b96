/**
 * PIN_VERIFY_STRUCTURE and PIN_MODIFY_STRUCTURE as SCardControl(FEATURE_VERIFY_PIN_DIRECT /
 * FEATURE_MODIFY_PIN_DIRECT) takes them (PC/SC part 10 §2.5.2 / §2.5.3; pcsc-lite reader.h).
 *
 * The fields are the ones of the CCID Secure block (USB CCID 1.1 §6.1.11), whose model and checks
 * live in src/ccid/pin-structures.ts; the PC/SC framing differs in three places only:
 * - no bPINOperation: the control code says verify or modify;
 * - bTimerOut2 (seconds after the first key) right after bTimerOut;
 * - ulDataLength (u32, little-endian as libccid reads it) right before abData;
 * - in PIN_MODIFY_STRUCTURE, bMsgIndex1..3 are always all three present.
 * So a structure is encoded by the CCID codec (which validates every field), then re-framed.
 *
 *   verify  PC/SC: TimerOut TimerOut2 | Format Block LengthFmt wMaxExtra(2) Validation NumberMsg wLangId(2) MsgIndex Teo(3) | ulDataLength(4) | APDU
 *           CCID:  00       TimerOut  | (the same 13 bytes)                                                                |                   APDU
 *   modify  PC/SC: TimerOut TimerOut2 | Format Block LengthFmt OffOld OffNew wMaxExtra(2) Confirm Validation NumberMsg wLangId(2) Msg1 Msg2 Msg3 Teo(3) | ulDataLength(4) | APDU
 */
import {
  MalformedDataError,
  PinOperation,
  decodePinOperation,
  encodePinModify,
  encodePinVerify,
  type PinModifyStructure,
  type PinVerifyStructure,
} from '../ccid';

/** Offset of abData in the PC/SC structures (bytes before it, ulDataLength included). */
const PCSC_DATA_AT = { verify: 19, modify: 24 } as const;
/** Offset of abPINApdu in the CCID Secure abData with all three message indexes. */
const CCID_DATA_AT = { verify: 15, modify: 20 } as const;
const LENGTH_FIELD = 4;
/** Both message index bytes are always present in the PC/SC modify structure. */
const THREE_INDEXES = { modifyMessageIndexes: 'always-three' } as const;

export function encodePcscPinVerify(structure: PinVerifyStructure, timeout2Seconds: number): Uint8Array {
  return fromCcid(encodePinVerify(structure), CCID_DATA_AT.verify, timeout2Seconds);
}

export function encodePcscPinModify(structure: PinModifyStructure, timeout2Seconds: number): Uint8Array {
  return fromCcid(encodePinModify(structure, THREE_INDEXES), CCID_DATA_AT.modify, timeout2Seconds);
}

export interface DecodedPcscPin<S> {
  readonly structure: S;
  readonly timeout2Seconds: number;
}

/** Strict decoder (the test readers use it): lengths coherent, every field as the CCID decoder checks it. */
export function decodePcscPinVerify(bytes: Uint8Array): DecodedPcscPin<PinVerifyStructure> {
  const ccid = toCcid(bytes, 'PIN_VERIFY_STRUCTURE', PinOperation.verify, PCSC_DATA_AT.verify);
  const decoded = decodePinOperation(ccid);
  if (decoded.operation !== 'verify') throw new MalformedDataError('PIN_VERIFY_STRUCTURE', 0, 'a verification', decoded.operation);
  return { structure: decoded.structure, timeout2Seconds: bytes[1] ?? 0 };
}

export function decodePcscPinModify(bytes: Uint8Array): DecodedPcscPin<PinModifyStructure> {
  const ccid = toCcid(bytes, 'PIN_MODIFY_STRUCTURE', PinOperation.modify, PCSC_DATA_AT.modify);
  const decoded = decodePinOperation(ccid, THREE_INDEXES);
  if (decoded.operation !== 'modify') throw new MalformedDataError('PIN_MODIFY_STRUCTURE', 0, 'a modification', decoded.operation);
  return { structure: decoded.structure, timeout2Seconds: bytes[1] ?? 0 };
}

function fromCcid(ccid: Uint8Array, ccidDataAt: number, timeout2Seconds: number): Uint8Array {
  if (!Number.isInteger(timeout2Seconds) || timeout2Seconds < 0 || timeout2Seconds > 0xff) {
    throw new MalformedDataError('PIN structure to encode, bTimerOut2', 1, 'an integer in 0..255', String(timeout2Seconds));
  }
  const apdu = ccid.subarray(ccidDataAt);
  const out = new Uint8Array(ccidDataAt + LENGTH_FIELD + apdu.length);
  out[0] = ccid[1] ?? 0; // bTimerOut
  out[1] = timeout2Seconds;
  out.set(ccid.subarray(2, ccidDataAt), 2);
  new DataView(out.buffer).setUint32(ccidDataAt, apdu.length, true);
  out.set(apdu, ccidDataAt + LENGTH_FIELD);
  return out;
}

function toCcid(bytes: Uint8Array, what: string, operation: number, dataAt: number): Uint8Array {
  if (bytes.length < dataAt) throw new MalformedDataError(what, bytes.length, `at least ${dataAt} bytes`, `${bytes.length} bytes`);
  const lengthAt = dataAt - LENGTH_FIELD;
  const declared = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(lengthAt, true);
  if (declared !== bytes.length - dataAt) {
    throw new MalformedDataError(`${what} ulDataLength`, lengthAt, `${bytes.length - dataAt} (the bytes after it)`, String(declared));
  }
  const ccid = new Uint8Array(bytes.length - LENGTH_FIELD);
  ccid[0] = operation;
  ccid[1] = bytes[0] ?? 0;
  ccid.set(bytes.subarray(2, lengthAt), 2);
  ccid.set(bytes.subarray(dataAt), lengthAt);
  return ccid;
}

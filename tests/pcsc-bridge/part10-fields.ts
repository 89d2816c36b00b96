/**
 * PC/SC part 10 bytes named for a report: the feature list of CM_IOCTL_GET_FEATURE_REQUEST (§2.3
 * feature tags) and the PIN_VERIFY_STRUCTURE / PIN_MODIFY_STRUCTURE an application hands
 * SCardControl (§2.5.2 / §2.5.3), field by field, with the names the CCID Secure block uses
 * (tests/libccid/secure-fields.ts) where the field is the same, so the two can be set side by side.
 */
import { toHex } from '../../src/ccid';
import { decodeFeatures } from '../../src/pcsc/features';
import type { SecureField } from '../libccid/secure-fields';

/** PC/SC part 10 §2.3 FEATURE_* tags. */
const FEATURE_NAMES: Readonly<Record<number, string>> = {
  0x01: 'VERIFY_PIN_START',
  0x02: 'VERIFY_PIN_FINISH',
  0x03: 'MODIFY_PIN_START',
  0x04: 'MODIFY_PIN_FINISH',
  0x05: 'GET_KEY_PRESSED',
  0x06: 'VERIFY_PIN_DIRECT',
  0x07: 'MODIFY_PIN_DIRECT',
  0x08: 'MCT_READER_DIRECT',
  0x09: 'MCT_UNIVERSAL',
  0x0a: 'IFD_PIN_PROPERTIES',
  0x0b: 'ABORT',
  0x0c: 'SET_SPE_MESSAGE',
  0x0d: 'VERIFY_PIN_DIRECT_APP_ID',
  0x0e: 'MODIFY_PIN_DIRECT_APP_ID',
  0x0f: 'WRITE_DISPLAY',
  0x10: 'GET_KEY',
  0x11: 'IFD_DISPLAY_PROPERTIES',
  0x12: 'GET_TLV_PROPERTIES',
  0x13: 'CCID_ESC_COMMAND',
  0x14: 'EXECUTE_PACE',
};

/** "06 VERIFY_PIN_DIRECT → 0x42330006" per feature, in the order the reader listed them. */
export function describeFeatures(tlv: Uint8Array): string[] {
  return [...decodeFeatures(tlv)].map(([tag, code]) => {
    const name = FEATURE_NAMES[tag] ?? 'unknown';
    return `${tag.toString(16).padStart(2, '0')} FEATURE_${name} → 0x${code.toString(16).toUpperCase().padStart(8, '0')}`;
  });
}

type FieldList = readonly (readonly [name: string, length: number])[];

/** §2.5.2, in order; abData takes the rest. */
const VERIFY_FIELDS: FieldList = [
  ['bTimerOut', 1],
  ['bTimerOut2', 1],
  ['bmFormatString', 1],
  ['bmPINBlockString', 1],
  ['bmPINLengthFormat', 1],
  ['wPINMaxExtraDigit', 2],
  ['bEntryValidationCondition', 1],
  ['bNumberMessage', 1],
  ['wLangId', 2],
  ['bMsgIndex', 1],
  ['bTeoPrologue NAD', 1],
  ['bTeoPrologue PCB', 1],
  ['bTeoPrologue LEN', 1],
  ['ulDataLength', 4],
];

/** §2.5.3, in order: the three bMsgIndex are always there. */
const MODIFY_FIELDS: FieldList = [
  ['bTimerOut', 1],
  ['bTimerOut2', 1],
  ['bmFormatString', 1],
  ['bmPINBlockString', 1],
  ['bmPINLengthFormat', 1],
  ['bInsertionOffsetOld', 1],
  ['bInsertionOffsetNew', 1],
  ['wPINMaxExtraDigit', 2],
  ['bConfirmPIN', 1],
  ['bEntryValidationCondition', 1],
  ['bNumberMessage', 1],
  ['wLangId', 2],
  ['bMsgIndex1', 1],
  ['bMsgIndex2', 1],
  ['bMsgIndex3', 1],
  ['bTeoPrologue NAD', 1],
  ['bTeoPrologue PCB', 1],
  ['bTeoPrologue LEN', 1],
  ['ulDataLength', 4],
];

/**
 * The fields of a PIN_VERIFY / PIN_MODIFY structure with pcsc-lite's names (reader.h), except the
 * APDU template: abPINApdu, as in the Secure block (pcsc-lite: abData).
 */
export function pcscPinFields(structure: Uint8Array, operation: 'verify' | 'modify'): SecureField[] {
  const fields: SecureField[] = [];
  let at = 0;
  for (const [name, length] of operation === 'verify' ? VERIFY_FIELDS : MODIFY_FIELDS) {
    if (at + length > structure.length) throw new Error(`PIN_${operation.toUpperCase()}_STRUCTURE of ${structure.length} bytes ends before ${name}`);
    fields.push({ name, offset: at, hex: toHex(structure.subarray(at, at + length)) });
    at += length;
  }
  fields.push({ name: 'abPINApdu', offset: at, hex: toHex(structure.subarray(at)) });
  return fields;
}

/** pcsc-lite's name → the CCID Secure block's, where they differ. */
const CCID_NAMES: Readonly<Record<string, string>> = { bTimerOut: 'bTimeOut' };

/** One field the application's structure and the driver's Secure block both have, where they differ. */
export interface CarriedField {
  readonly name: string;
  readonly structure: string;
  readonly secure: string;
}

/**
 * The fields of `structure` that reappear in the driver's PC_to_RDR_Secure (`secure`, named by
 * secureFields) with other bytes: what the driver changed on its way to the reader. Fields only one
 * side has (bTimeOut2, ulDataLength; the CCID header; a bMsgIndex the CCID block leaves out) are not
 * compared.
 */
export function changedOnTheWay(structure: readonly SecureField[], secure: readonly SecureField[]): CarriedField[] {
  return structure.flatMap((field) => {
    const other = secure.find((f) => f.name === (CCID_NAMES[field.name] ?? field.name));
    return other && other.hex !== field.hex ? [{ name: field.name, structure: field.hex, secure: other.hex }] : [];
  });
}

/**
 * PC_to_RDR_Secure messages field by field (USB CCID 1.1 §6.1.11), and the PC/SC part 10
 * PIN_VERIFY_STRUCTURE / PIN_MODIFY_STRUCTURE (§2.5.2 / §2.5.3) an application gives SCardControl
 * for the same request. The libccid suite builds the PC/SC structure from what our driver sends, so
 * both drivers get the same request, then compares the two Secure messages field by field.
 */
import { toHex } from '../../src/ccid';
import { PIN_FIELD_OFFSET } from '../../src/ccid/pin-structures';

/** One named field of a Secure message: its offset in the whole message and its bytes as hex. */
export interface SecureField {
  readonly name: string;
  readonly offset: number;
  readonly hex: string;
}

const HEADER = 10;
const TEO_PROLOGUE = 3;

/** The Secure header (bSeq aside) and the PIN structure, named. `msgIndexes` = how many bMsgIndex a modify carries. */
export function secureFields(message: Uint8Array, msgIndexes?: number): SecureField[] {
  const fields: SecureField[] = [];
  const add = (name: string, offset: number, length: number) =>
    fields.push({ name, offset, hex: toHex(message.subarray(offset, offset + length)) });
  add('bMessageType', 0, 1);
  add('dwLength', 1, 4);
  add('bSlot', 5, 1);
  add('bSeq', 6, 1);
  add('bBWI', 7, 1);
  add('wLevelParameter', 8, 2);
  const modify = message[HEADER] === 0x01;
  const layout = modify ? PIN_FIELD_OFFSET.modify : PIN_FIELD_OFFSET.verify;
  const sizes: Record<string, number> = { wPINMaxExtraDigit: 2, wLangId: 2 };
  for (const [name, at] of Object.entries(layout)) {
    if (name === 'bMsgIndex1' || name === 'bMsgIndex') continue;
    add(name, HEADER + at, sizes[name] ?? 1);
  }
  let at = HEADER + (modify ? PIN_FIELD_OFFSET.modify.bMsgIndex1 : PIN_FIELD_OFFSET.verify.bMsgIndex);
  const indexes = modify ? (msgIndexes ?? modifyIndexesIn(message)) : 1;
  for (let i = 1; i <= indexes; i++) add(modify ? `bMsgIndex${i}` : 'bMsgIndex', at++, 1);
  // CCID 1.1 §6.1.11: NAD, PCB and LEN of the T=1 I-block a TPDU reader sends (zeros otherwise).
  add('bTeoPrologue NAD', at, 1);
  add('bTeoPrologue PCB', at + 1, 1);
  add('bTeoPrologue LEN', at + 2, 1);
  add('abPINApdu', at + TEO_PROLOGUE, message.length - at - TEO_PROLOGUE);
  return fields;
}

/**
 * How many bMsgIndex a modify message carries, from its own lengths: the APDU template's Lc says
 * how long abPINApdu is (CLA INS P1 P2 Lc + Lc bytes), what is left before the prologue are indexes.
 */
function modifyIndexesIn(message: Uint8Array): number {
  const first = HEADER + PIN_FIELD_OFFSET.modify.bMsgIndex1;
  for (let indexes = 1; indexes <= 3; indexes++) {
    const apduAt = first + indexes + TEO_PROLOGUE;
    const lc = message[apduAt + 4] ?? 0;
    if (message.length - apduAt === 5 + lc || message.length - apduAt === 4) return indexes;
  }
  return 1;
}

export interface FieldDifference {
  readonly name: string;
  readonly ours: string;
  readonly theirs: string;
  /** Why the two may differ and both be right, where that is known; null = a real disagreement. */
  readonly explained: string | null;
}

/** Fields that differ between two Secure messages, by name (bSeq always differs: not a difference). */
export function differingFields(ours: readonly SecureField[], theirs: readonly SecureField[]): FieldDifference[] {
  const names = [...new Set([...ours.map((f) => f.name), ...theirs.map((f) => f.name)])];
  return names
    .filter((name) => name !== 'bSeq')
    .map((name) => {
      const a = ours.find((f) => f.name === name)?.hex ?? '—';
      const b = theirs.find((f) => f.name === name)?.hex ?? '—';
      return { name, ours: a, theirs: b, explained: explanation(name, a, b) };
    })
    .filter((d) => d.ours !== d.theirs);
}

/**
 * A PCB that differs only in bit 7 (N(S), 0x40) is each driver's own count of I-blocks since the
 * card was powered (ISO/IEC 7816-3 §11.6.2.2): it depends on what each sent before, not on the
 * request. Both are right when the card accepts them.
 */
function explanation(name: string, ours: string, theirs: string): string | null {
  if (name === 'bTeoPrologue PCB' && (parseInt(ours, 16) ^ parseInt(theirs, 16)) === 0x40) {
    return 'N(S): each driver counts its own I-blocks since power-on (ISO/IEC 7816-3 §11.6.2.2)';
  }
  return null;
}

/**
 * The PC/SC part 10 structure for SCardControl(FEATURE_VERIFY/MODIFY_PIN_DIRECT) carrying the same
 * fields as a CCID Secure abData: bPINOperation dropped, bTimerOut2 = 0 after bTimerOut, the three
 * bMsgIndex of a modify always present (missing ones 0), bTeoPrologue 00 00 00 (the driver fills
 * it on a TPDU T=1 reader; an application cannot know the T=1 sequence numbers), ulDataLength
 * (little-endian, pcsc-lite's host order on x86) before the APDU.
 */
export function pcscStructureFor(abData: Uint8Array, msgIndexes: number): Uint8Array {
  const modify = abData[0] === 0x01;
  const fixedEnd = (modify ? PIN_FIELD_OFFSET.modify.bMsgIndex1 : PIN_FIELD_OFFSET.verify.bMsgIndex) + 1;
  const indexesEnd = modify ? fixedEnd - 1 + msgIndexes : fixedEnd;
  const apdu = abData.subarray(indexesEnd + TEO_PROLOGUE);
  const fields = [abData[1] ?? 0, 0x00, ...abData.subarray(2, fixedEnd)];
  if (modify) fields.push(...[0, 1].map((i) => (i + 1 < msgIndexes ? (abData[fixedEnd + i] ?? 0) : 0)));
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, apdu.length, true);
  return Uint8Array.from([...fields, 0, 0, 0, ...length, ...apdu]);
}


import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from './bytes';
import {
  decodePinOperation,
  encodePinModify,
  encodePinVerify,
  PinStructureError,
  type PinModifyStructure,
  type PinVerifyStructure,
} from './pin-structures';

const ASCII_4: Omit<PinVerifyStructure, 'msgIndex' | 'numberMessage' | 'apdu'> = {
  timeoutSeconds: 30,
  format: { offsetUnit: 'byte', frameOffset: 0, justification: 'left', coding: 'ascii' },
  block: { lengthFieldBits: 0, sizeBytes: 4 },
  lengthField: { unit: 'bit', position: 0 },
  minDigits: 4,
  maxDigits: 4,
  entryValidation: 0x02,
  langId: 0x0409,
  teoPrologue: fromHex('00 40 09'),
};

const VERIFY: PinVerifyStructure = { ...ASCII_4, numberMessage: 1, msgIndex: 0, apdu: fromHex('00 20 00 01 04 00 00 00 00') };

const MODIFY: PinModifyStructure = {
  ...ASCII_4,
  insertionOffsetOld: 0,
  insertionOffsetNew: 4,
  confirmPin: 0x03,
  numberMessage: 3,
  msgIndexes: [0, 1, 2],
  apdu: fromHex('00 24 00 01 08 00 00 00 00 00 00 00 00'),
};

describe('PIN verification structure (CCID 1.1 §6.1.11)', () => {
  it('encodes bPINOperation, the fields in CCID order, bTeoPrologue and the template', () => {
    expect(toHex(encodePinVerify(VERIFY))).toBe(
      '00 1E 82 04 00 04 04 02 01 09 04 00 00 40 09 00 20 00 01 04 00 00 00 00',
    );
  });

  it('writes wPINMaxExtraDigit as 0xXXYY little-endian (XX minimum, YY maximum), or byte-swapped for the quirk', () => {
    const range = { ...VERIFY, minDigits: 4, maxDigits: 8 };
    expect(toHex(encodePinVerify(range).subarray(5, 7))).toBe('08 04');
    expect(toHex(encodePinVerify(range, { minMaxSwapped: true }).subarray(5, 7))).toBe('04 08');
    const swapped = decodePinOperation(encodePinVerify(range, { minMaxSwapped: true }), { minMaxSwapped: true });
    expect(swapped.structure).toMatchObject({ minDigits: 4, maxDigits: 8 });
  });

  it('decodes what it encodes', () => {
    expect(decodePinOperation(encodePinVerify(VERIFY))).toEqual({ operation: 'verify', structure: VERIFY });
  });

  it.each([
    ['bPINOperation 02 (transfer PIN)', 0, 0x02, 0],
    ['PIN coding 3 (RFU)', 2, 0x83, 2],
    ['RFU bits of bmPINLengthFormat', 4, 0x20, 4],
    ['minimum above maximum', 6, 0x05, 5],
    ['bEntryValidationCondition 00', 7, 0x00, 7],
    ['bEntryValidationCondition 08', 7, 0x08, 7],
    ['bNumberMessage 02 in a verification', 8, 0x02, 8],
  ])('refuses %s with the offset of the field', (_name, at, value, offset) => {
    const bytes = encodePinVerify(VERIFY);
    bytes[at] = value;
    const error = (() => {
      try {
        decodePinOperation(bytes);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(PinStructureError);
    expect((error as PinStructureError).offset).toBe(offset);
  });

  it('refuses a structure cut short and a template shorter than CLA INS P1 P2', () => {
    expect(() => decodePinOperation(encodePinVerify(VERIFY).subarray(0, 14))).toThrow(PinStructureError);
    expect(() => encodePinVerify({ ...VERIFY, apdu: fromHex('00 20 00') })).toThrow(/at least 19 bytes \(the fields, bTeoPrologue, CLA INS P1 P2\)/);
    expect(() => decodePinOperation(new Uint8Array(0))).toThrow(/abData/);
  });

  it('refuses values that do not fit their bits when encoding, naming the field', () => {
    expect(() => encodePinVerify({ ...VERIFY, block: { lengthFieldBits: 0, sizeBytes: 16 } })).toThrow(/sizeBytes/);
    expect(() => encodePinVerify({ ...VERIFY, teoPrologue: new Uint8Array(2) })).toThrow(/bTeoPrologue/);
  });
});

describe('PIN modification structure (CCID 1.1 §6.1.11)', () => {
  it('encodes three message indexes for bNumberMessage 3', () => {
    expect(toHex(encodePinModify(MODIFY))).toBe(
      '01 1E 82 04 00 00 04 04 04 03 02 03 09 04 00 01 02 00 40 09 00 24 00 01 08 00 00 00 00 00 00 00 00',
    );
  });

  it('carries bMsgIndex2 only when bNumberMessage ≠ 0 and bMsgIndex3 only when it is 3, unless the firmware reads all three', () => {
    const prologueAt = (n: number, layout = {}) => encodePinModify({ ...MODIFY, numberMessage: n }, layout).length - MODIFY.apdu.length - 3;
    expect([0, 1, 2, 3, 0xff].map((n) => prologueAt(n))).toEqual([15, 16, 16, 17, 16]);
    expect([0, 1, 2, 3, 0xff].map((n) => prologueAt(n, { modifyMessageIndexes: 'always-three' }))).toEqual([17, 17, 17, 17, 17]);
    const twoOnWire = decodePinOperation(encodePinModify({ ...MODIFY, numberMessage: 2 }));
    expect(twoOnWire.operation === 'modify' && twoOnWire.structure.msgIndexes).toEqual([0, 1, 0]);
  });

  it('refuses bConfirmPIN 04 and bNumberMessage 04', () => {
    const bytes = encodePinModify(MODIFY);
    bytes[9] = 0x04;
    expect(() => decodePinOperation(bytes)).toThrow(expect.objectContaining({ offset: 9 }));
    const other = encodePinModify(MODIFY);
    other[11] = 0x04;
    expect(() => decodePinOperation(other)).toThrow(expect.objectContaining({ offset: 11 }));
  });

  it('round-trips any structure in both layouts (fast-check, fixed seed)', () => {
    const byte = fc.integer({ min: 0, max: 0xff });
    const nibble = fc.integer({ min: 0, max: 15 });
    const structure = fc
      .record({
        timeoutSeconds: byte,
        format: fc.record({
          offsetUnit: fc.constantFrom('bit' as const, 'byte' as const),
          frameOffset: nibble,
          justification: fc.constantFrom('left' as const, 'right' as const),
          coding: fc.constantFrom('binary' as const, 'bcd' as const, 'ascii' as const),
        }),
        block: fc.record({ lengthFieldBits: nibble, sizeBytes: nibble }),
        lengthField: fc.record({ unit: fc.constantFrom('bit' as const, 'byte' as const), position: nibble }),
        digits: fc.tuple(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 1, max: 0xff })),
        entryValidation: fc.integer({ min: 1, max: 7 }),
        numberMessage: fc.constantFrom(0, 1, 2, 3, 0xff),
        langId: fc.integer({ min: 0, max: 0xffff }),
        teoPrologue: fc.uint8Array({ minLength: 3, maxLength: 3 }),
        apdu: fc.uint8Array({ minLength: 4, maxLength: 40 }),
        insertionOffsetOld: byte,
        insertionOffsetNew: byte,
        confirmPin: fc.integer({ min: 0, max: 3 }),
        msgIndexes: fc.tuple(byte, byte, byte),
        layout: fc.record({ minMaxSwapped: fc.boolean(), modifyMessageIndexes: fc.constantFrom('ccid' as const, 'always-three' as const) }),
      })
      .map(({ digits: [a, b], layout, ...rest }) => ({ structure: { ...rest, minDigits: Math.min(a, b), maxDigits: Math.max(a, b) }, layout }));
    fc.assert(
      fc.property(structure, ({ structure: s, layout }) => {
        const decoded = decodePinOperation(encodePinModify(s, layout), layout);
        expect(decoded.operation).toBe('modify');
        const got = decoded.structure as PinModifyStructure;
        const kept = layout.modifyMessageIndexes === 'always-three' || s.numberMessage === 3 ? 3 : s.numberMessage === 0 ? 1 : 2;
        expect({ ...got, msgIndexes: got.msgIndexes.slice(0, kept) }).toEqual({ ...s, msgIndexes: s.msgIndexes.slice(0, kept) });
      }),
      { seed: 1234, numRuns: 300 },
    );
  });
});

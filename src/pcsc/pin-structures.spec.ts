import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MalformedDataError, fromHex, pinModifyStructure, pinVerifyStructure, toHex, type PinModifyStructure, type PinVerifyStructure } from '../ccid';
import { decodePcscPinModify, decodePcscPinVerify, encodePcscPinModify, encodePcscPinVerify } from './pin-structures';

/** The requests the flows make (src/flows/pin-source.ts) for the eCard: 4 ASCII digits, 30 s. */
const VERIFY = pinVerifyStructure({ apduHeader: fromHex('00 20 00 01'), pinLength: { min: 4, max: 4 }, messageIndex: 0, timeoutSeconds: 30 });
const RESET = pinVerifyStructure({ apduHeader: fromHex('00 2C 02 01'), pinLength: { min: 4, max: 4 }, messageIndex: 0, timeoutSeconds: 30 });
const CHANGE = pinModifyStructure({
  apduHeader: fromHex('00 24 00 01'),
  confirm: 'current-new-confirm',
  pinLength: { min: 4, max: 4 },
  messageIndexes: [0, 1, 2],
  timeoutSeconds: 30,
});

describe('PIN_VERIFY_STRUCTURE (PC/SC part 10 §2.5.2)', () => {
  it('VERIFY: bTimerOut, bTimerOut2, the CCID fields, bTeoPrologue, ulDataLength (LE), the template', () => {
    expect(toHex(encodePcscPinVerify(VERIFY, 30))).toBe(
      // 1E 1E | 82 ASCII at byte 0 | 04 block 4 bytes | 00 no length field | 04 04 min/max | 02 OK key
      // | 01 one message | 09 04 en-US | 00 message 0 | 00 00 00 | 09 00 00 00 | 00 20 00 01 04 + 4 zeros
      '1E 1E 82 04 00 04 04 02 01 09 04 00 00 00 00 09 00 00 00 00 20 00 01 04 00 00 00 00',
    );
  });

  it('RESET RETRY COUNTER (reset PIN 0000 typed once) goes as a verification of the new PIN', () => {
    expect(toHex(encodePcscPinVerify(RESET, 30))).toBe('1E 1E 82 04 00 04 04 02 01 09 04 00 00 00 00 09 00 00 00 00 2C 02 01 04 00 00 00 00');
  });

  it('decodes what it encodes, with bTimerOut2', () => {
    const decoded = decodePcscPinVerify(encodePcscPinVerify(VERIFY, 15));
    expect(decoded.structure).toEqual(VERIFY);
    expect(decoded.timeout2Seconds).toBe(15);
  });

  it('refuses an ulDataLength that does not count the bytes after it', () => {
    const bytes = encodePcscPinVerify(VERIFY, 30);
    bytes[15] = 0x0a;
    expect(() => decodePcscPinVerify(bytes)).toThrow(/ulDataLength/);
    expect(() => decodePcscPinVerify(bytes.subarray(0, 18))).toThrow(MalformedDataError);
  });

  it('refuses a field the CCID model refuses (bEntryValidationCondition 0)', () => {
    const bytes = encodePcscPinVerify(VERIFY, 30);
    bytes[7] = 0;
    expect(() => decodePcscPinVerify(bytes)).toThrow(/bEntryValidationCondition/);
  });

  it('refuses a bTimerOut2 that is not a byte', () => {
    expect(() => encodePcscPinVerify(VERIFY, 256)).toThrow(/bTimerOut2/);
  });
});

describe('PIN_MODIFY_STRUCTURE (PC/SC part 10 §2.5.3)', () => {
  it('CHANGE: offsets 0 / 4, bConfirmPIN 03, three messages always present, ulDataLength 13', () => {
    expect(toHex(encodePcscPinModify(CHANGE, 30))).toBe(
      // 1E 1E | 82 04 00 | 00 old at 0, 04 new at 4 | 04 04 | 03 current+new+confirm | 02 | 03 messages | 09 04
      // | 00 01 02 | 00 00 00 | 0D 00 00 00 | 00 24 00 01 08 + 8 zeros
      '1E 1E 82 04 00 00 04 04 04 03 02 03 09 04 00 01 02 00 00 00 0D 00 00 00 00 24 00 01 08 00 00 00 00 00 00 00 00',
    );
  });

  it('keeps bMsgIndex2 and 3 even when bNumberMessage says fewer (the CCID block drops them)', () => {
    const one: PinModifyStructure = { ...CHANGE, numberMessage: 1, msgIndexes: [0, 0, 0] };
    const bytes = encodePcscPinModify(one, 30);
    expect(bytes.length).toBe(24 + 13);
    expect(decodePcscPinModify(bytes).structure).toEqual(one);
  });

  it('decodes what it encodes for any valid structure (fixed seed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom<'current-new-confirm' | 'new-confirm'>('current-new-confirm', 'new-confirm'), (digits, timeout, timeout2, confirm) => {
        const structure = pinModifyStructure({
          apduHeader: fromHex('00 24 00 01'),
          confirm,
          pinLength: { min: digits, max: digits },
          messageIndexes: confirm === 'current-new-confirm' ? [0, 1, 2] : [1, 2],
          timeoutSeconds: timeout,
        });
        const decoded = decodePcscPinModify(encodePcscPinModify(structure, timeout2));
        expect(decoded.structure).toEqual(structure);
        expect(decoded.timeout2Seconds).toBe(timeout2);
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it('refuses a verification structure sent as a modification', () => {
    const verify: PinVerifyStructure = VERIFY;
    expect(() => decodePcscPinModify(encodePcscPinVerify(verify, 30))).toThrow(MalformedDataError);
  });
});

import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/ccid';
import { differingFields, pcscStructureFor, secureFields } from './secure-fields';

/** A verify Secure as our driver sends it for the eCard (VERIFY 00 20 00 01, 4 ASCII digits). */
const VERIFY = fromHex('69 1A000000 00 07 00 0000' + '00 1E 82 04 00 0404 02 01 0904 00 000000 0020000104 30303030');
/** A modify Secure with three bMsgIndex (CHANGE 00 24 00 01, current ‖ new). */
const MODIFY = fromHex('69 24000000 00 08 00 0000' + '01 1E 82 04 00 00 04 0404 03 02 03 0904 00 01 02 000000 0024000108 3030303030303030');

describe('Secure messages field by field', () => {
  it('names every field of a verify (CCID 1.1 §6.1.11) at its offset', () => {
    const fields = secureFields(VERIFY);
    expect(fields.map((f) => f.name)).toEqual([
      'bMessageType', 'dwLength', 'bSlot', 'bSeq', 'bBWI', 'wLevelParameter', 'bPINOperation', 'bTimeOut', 'bmFormatString',
      'bmPINBlockString', 'bmPINLengthFormat', 'wPINMaxExtraDigit', 'bEntryValidationCondition', 'bNumberMessage', 'wLangId',
      'bMsgIndex', 'bTeoPrologue NAD', 'bTeoPrologue PCB', 'bTeoPrologue LEN', 'abPINApdu',
    ]);
    expect(fields.find((f) => f.name === 'abPINApdu')).toEqual({ name: 'abPINApdu', offset: 25, hex: '00 20 00 01 04 30 30 30 30' });
  });

  it('counts the bMsgIndex of a modify from the template length', () => {
    const names = secureFields(MODIFY).map((f) => f.name);
    expect(names.filter((n) => n.startsWith('bMsgIndex'))).toEqual(['bMsgIndex1', 'bMsgIndex2', 'bMsgIndex3']);
    expect(secureFields(MODIFY).find((f) => f.name === 'bConfirmPIN')?.hex).toBe('03');
  });

  it('lists only the fields that differ, bSeq aside', () => {
    const theirs = VERIFY.slice();
    theirs[6] = 0x44;
    theirs[fieldOffset('bNumberMessage')] = 0x01;
    expect(differingFields(secureFields(VERIFY), secureFields(theirs))).toEqual([]);
    theirs[fieldOffset('bNumberMessage')] = 0xff;
    expect(differingFields(secureFields(VERIFY), secureFields(theirs))).toEqual([{ name: 'bNumberMessage', ours: '01', theirs: 'FF', explained: null }]);
  });

  it('explains a PCB that differs only in N(S), and nothing else', () => {
    const ours = VERIFY.slice();
    ours[fieldOffset('bTeoPrologue PCB')] = 0x40;
    const [pcb] = differingFields(secureFields(ours), secureFields(VERIFY));
    expect(pcb).toMatchObject({ name: 'bTeoPrologue PCB', ours: '40', theirs: '00', explained: expect.stringContaining('N(S)') });
    ours[fieldOffset('bTeoPrologue PCB')] = 0x20;
    expect(differingFields(secureFields(ours), secureFields(VERIFY))[0]?.explained).toBeNull();
  });

  it('builds the PC/SC part 10 PIN_VERIFY_STRUCTURE with bTimerOut2 and ulDataLength (§2.5.2)', () => {
    expect(toHex(pcscStructureFor(VERIFY.subarray(10), 1))).toBe('1E 00 82 04 00 04 04 02 01 09 04 00 00 00 00 09 00 00 00 00 20 00 01 04 30 30 30 30');
  });

  it('builds the PIN_MODIFY_STRUCTURE with all three bMsgIndex (§2.5.3)', () => {
    expect(toHex(pcscStructureFor(MODIFY.subarray(10), 3))).toBe(
      '1E 00 82 04 00 00 04 04 04 03 02 03 09 04 00 01 02 00 00 00 0D 00 00 00 00 24 00 01 08 30 30 30 30 30 30 30 30',
    );
    const oneIndex = fromHex('01 1E 82 04 00 00 04 0404 03 02 00 0904 00 000000 0024000108 3030303030303030');
    expect(toHex(pcscStructureFor(oneIndex, 1)).slice(0, 50)).toBe('1E 00 82 04 00 00 04 04 04 03 02 00 09 04 00 00 00');
  });
});

function fieldOffset(name: string): number {
  return secureFields(VERIFY).find((f) => f.name === name)?.offset ?? -1;
}

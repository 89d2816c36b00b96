/**
 * The report's naming of PC/SC part 10 bytes, on what the QEMU guest recorded: the feature list
 * libccid 1.5.2 returned for GemPC Pinpad, the PIN_VERIFY_STRUCTURE src/pcsc sent for the reset
 * (RESET RETRY COUNTER), and the PC_to_RDR_Secure libccid made of it.
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/ccid';
import { secureFields } from '../libccid/secure-fields';
import { changedOnTheWay, describeFeatures, pcscPinFields } from './part10-fields';

const FEATURES = '06 04 42 33 00 06 07 04 42 33 00 07 0A 04 42 33 00 0A 12 04 42 33 00 12';
const RESET_STRUCTURE = '1E 1E 82 04 00 04 04 02 01 09 04 00 00 00 00 09 00 00 00 00 2C 02 01 04 00 00 00 00';
const RESET_SECURE = '69 18 00 00 00 00 18 00 00 00 00 1E 82 04 00 04 04 02 01 09 04 00 00 00 09 00 2C 02 01 04 00 00 00 00';
const CHANGE_STRUCTURE = '1E 1E 82 04 00 00 04 04 04 03 02 03 09 04 00 01 02 00 00 00 0D 00 00 00 00 24 00 01 08 00 00 00 00 00 00 00 00';

describe('PC/SC part 10 bytes, named', () => {
  it('names the features of CM_IOCTL_GET_FEATURE_REQUEST with their control codes', () => {
    expect(describeFeatures(fromHex(FEATURES))).toEqual([
      '06 FEATURE_VERIFY_PIN_DIRECT → 0x42330006',
      '07 FEATURE_MODIFY_PIN_DIRECT → 0x42330007',
      '0a FEATURE_IFD_PIN_PROPERTIES → 0x4233000A',
      '12 FEATURE_GET_TLV_PROPERTIES → 0x42330012',
    ]);
  });

  it('names every field of a PIN_VERIFY_STRUCTURE, ulDataLength and the APDU template included', () => {
    const fields = Object.fromEntries(pcscPinFields(fromHex(RESET_STRUCTURE), 'verify').map((f) => [f.name, f.hex]));
    expect(fields).toMatchObject({
      bTimerOut: '1E',
      bTimerOut2: '1E',
      bmFormatString: '82',
      wPINMaxExtraDigit: '04 04',
      bEntryValidationCondition: '02',
      wLangId: '09 04',
      ulDataLength: '09 00 00 00',
      abPINApdu: '00 2C 02 01 04 00 00 00 00',
    });
  });

  it('names the three bMsgIndex of a PIN_MODIFY_STRUCTURE', () => {
    const fields = Object.fromEntries(pcscPinFields(fromHex(CHANGE_STRUCTURE), 'modify').map((f) => [f.name, f.hex]));
    expect([fields.bConfirmPIN, fields.bMsgIndex1, fields.bMsgIndex2, fields.bMsgIndex3, fields.ulDataLength]).toEqual(['03', '00', '01', '02', '0D 00 00 00']);
  });

  it('refuses a structure that ends before its fields do', () => {
    expect(() => pcscPinFields(fromHex('1E 1E 82'), 'verify')).toThrow(/of 3 bytes ends before bmPINBlockString/);
  });

  it('tells what the driver changed on the way: libccid wrote the T=1 prologue LEN on a TPDU reader, nothing else', () => {
    const changed = changedOnTheWay(pcscPinFields(fromHex(RESET_STRUCTURE), 'verify'), secureFields(fromHex(RESET_SECURE)));
    expect(changed).toEqual([{ name: 'bTeoPrologue LEN', structure: '00', secure: '09' }]);
  });
});

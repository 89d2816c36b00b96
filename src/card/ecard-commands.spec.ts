import { describe, it, expect } from 'vitest';
import { toHex } from '../ccid';
import { changePinApdu, resetRetryCounterApdu, selectEcardApdu, triesLeftApdu, verifyPinApdu } from './ecard-commands';
import { PinFormatError } from './pin';

describe('eCard commands', () => {
  it('SELECT by the eCard AID', () => {
    expect(toHex(selectEcardApdu())).toBe('00 A4 04 0C 0B E8 28 BD 08 0F D6 42 00 00 01 01');
  });
  it('VERIFY with the PIN as ASCII digits', () => {
    expect(toHex(verifyPinApdu('4821'))).toBe('00 20 00 01 04 34 38 32 31');
  });
  it('tries-left query: VERIFY with no data, case 1', () => {
    expect(toHex(triesLeftApdu())).toBe('00 20 00 01');
  });
  it('CHANGE REFERENCE DATA: current PIN then new PIN', () => {
    expect(toHex(changePinApdu('0000', '4821'))).toBe('00 24 00 01 08 30 30 30 30 34 38 32 31');
  });
  it('activation: CHANGE from the 3-digit transport PIN', () => {
    expect(toHex(changePinApdu('000', '4821'))).toBe('00 24 00 01 07 30 30 30 34 38 32 31');
  });
  it('RESET RETRY COUNTER with the new PIN only (P1 02)', () => {
    expect(toHex(resetRetryCounterApdu('0000'))).toBe('00 2C 02 01 04 30 30 30 30');
  });
  it('refuses a new PIN that is not 4 digits before building anything (-40)', () => {
    expect(() => changePinApdu('0000', '123')).toThrow(PinFormatError);
    expect(() => changePinApdu('0000', '12345')).toThrow(PinFormatError);
    expect(() => resetRetryCounterApdu('000')).toThrow(PinFormatError);
    expect(() => verifyPinApdu('12')).toThrow(PinFormatError);
    expect(() => changePinApdu('00', '1234')).toThrow(PinFormatError);
  });
});

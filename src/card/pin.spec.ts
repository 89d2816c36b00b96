import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../ccid';
import { PinFormatError, encodePin, pinLengthRange, validatePin } from './pin';

function errorOf(run: () => unknown): PinFormatError {
  try {
    run();
  } catch (e) {
    if (e instanceof PinFormatError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('encodePin', () => {
  it('encodes each digit as its ASCII byte', () => {
    expect(toHex(encodePin('0000', 'new'))).toBe('30 30 30 30');
    expect(toHex(encodePin('4821', 'new'))).toBe('34 38 32 31');
    expect(toHex(encodePin('000', 'current'))).toBe('30 30 30');
  });
  it('takes a current PIN of 3 or 4 digits (the transport PIN has 3)', () => {
    expect(pinLengthRange('current')).toEqual({ min: 3, max: 4 });
    expect(toHex(encodePin('9876', 'current'))).toBe('39 38 37 36');
  });
  it('takes a new PIN of exactly 4 digits', () => {
    expect(pinLengthRange('new')).toEqual({ min: 4, max: 4 });
    expect(errorOf(() => encodePin('123', 'new'))).toMatchObject({ code: -40, role: 'new', expected: '4 digits', got: '3 characters' });
    expect(errorOf(() => encodePin('12345', 'new'))).toMatchObject({ code: -40, got: '5 characters' });
  });
  it('refuses a current PIN of 2 or 5 digits with code -40', () => {
    expect(errorOf(() => encodePin('12', 'current'))).toMatchObject({ code: -40, role: 'current', expected: '3..4 digits', got: '2 characters' });
    expect(errorOf(() => encodePin('12345', 'current'))).toMatchObject({ code: -40, got: '5 characters' });
    expect(errorOf(() => encodePin('', 'current'))).toMatchObject({ got: '0 characters' });
  });
  it('names the position of a non-digit without repeating the PIN', () => {
    const error = errorOf(() => encodePin('12a4', 'new'));
    expect(error.got).toBe('a character other than 0-9 at position 3');
    expect(error.message).not.toMatch(/12|a4/);
    expect(errorOf(() => encodePin('１２３４', 'new')).got).toBe('a character other than 0-9 at position 1');
    expect(errorOf(() => validatePin(' 123', 'current')).got).toBe('a character other than 0-9 at position 1');
  });
  it('never puts a digit of the PIN in an error message (fast-check, 2,000 PINs)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{5,8}$/), (pin) => {
        const error = errorOf(() => encodePin(pin, 'new'));
        expect(error.message).toBe(`new PIN: expected 4 digits, got ${pin.length} characters`);
      }),
      { seed: 1234, numRuns: 2000 },
    );
  });
});

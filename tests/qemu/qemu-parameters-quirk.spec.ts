import { describe, it, expect } from 'vitest';
import { fromHex, toHex } from '../../src/ccid';
import { correctedParametersFrame } from './qemu-parameters-quirk';

describe('correctedParametersFrame', () => {
  it("gives QEMU's T=0 Parameters frame (dwLength 0 + 7-byte union) dwLength 5 and 5 data bytes", () => {
    const qemu = fromHex('82 00 00 00 00 00 01 00 00 00 11 00 00 0A 00 FE 00');
    expect(toHex(correctedParametersFrame(qemu) ?? new Uint8Array(0))).toBe('82 05 00 00 00 00 01 00 00 00 11 00 00 0A 00');
  });

  it('gives a T=1 frame dwLength 7 and keeps all 7 bytes', () => {
    const qemu = fromHex('82 00 00 00 00 00 02 00 00 01 11 10 00 4D 00 FE 00');
    expect(toHex(correctedParametersFrame(qemu) ?? new Uint8Array(0))).toBe('82 07 00 00 00 00 02 00 00 01 11 10 00 4D 00 FE 00');
  });

  it('leaves every other frame alone: correct ones, other types, other lengths, unknown protocols', () => {
    expect(correctedParametersFrame(fromHex('82 05 00 00 00 00 01 00 00 00 11 00 00 0A 00'))).toBeNull();
    expect(correctedParametersFrame(fromHex('80 00 00 00 00 00 01 00 00 00 11 00 00 0A 00 FE 00'))).toBeNull();
    expect(correctedParametersFrame(fromHex('82 00 00 00 00 00 01 00 00 00'))).toBeNull();
    expect(correctedParametersFrame(fromHex('82 00 00 00 00 00 01 00 00 02 11 00 00 0A 00 FE 00'))).toBeNull();
  });
});

import { describe, it, expect } from 'vitest';
import { fromHex, toHex } from '../ccid/bytes';
import { MalformedDataError } from '../ccid/errors';
import {
  T1EdcError,
  crc,
  decodeT1Block,
  describeT1Block,
  encodeT1Block,
  iBlock,
  lrc,
  rBlock,
  sBlock,
  type Edc,
  type T1Block,
} from './wire-t1-block';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function decodeError(hex: string, edc: Edc = 'lrc'): MalformedDataError {
  try {
    decodeT1Block(fromHex(hex), edc);
  } catch (e) {
    if (e instanceof MalformedDataError) return e;
    throw e;
  }
  throw new Error(`decoded ${hex} without error`);
}

describe('EDC', () => {
  it('computes the LRC as the exclusive-or of all bytes', () => {
    expect(lrc(fromHex('00 00 05 00 84 00 00 08'))).toBe(0x89);
  });
  it('computes the ISO/IEC 13239 CRC with the standard check value 906E', () => {
    expect(crc(ascii('123456789'))).toBe(0x906e);
  });
  it('appends the CRC low byte first', () => {
    const bytes = encodeT1Block(rBlock(0), 'crc');
    const value = crc(bytes.subarray(0, 3));
    expect(toHex(bytes)).toBe(toHex(Uint8Array.of(0x00, 0x80, 0x00, value & 0xff, value >>> 8)));
  });
});

describe('encodeT1Block', () => {
  it('encodes an I-block with N(S) and the more-data bit', () => {
    expect(toHex(encodeT1Block(iBlock(0, fromHex('00 84 00 00 08')), 'lrc'))).toBe('00 00 05 00 84 00 00 08 89');
    expect(toHex(encodeT1Block(iBlock(1, fromHex('AA'), true), 'lrc'))).toBe('00 60 01 AA CB');
  });
  it('encodes R-blocks with N(R) and error bits', () => {
    expect(toHex(encodeT1Block(rBlock(1), 'lrc'))).toBe('00 90 00 90');
    expect(toHex(encodeT1Block(rBlock(0, 'edc'), 'lrc'))).toBe('00 81 00 81');
    expect(toHex(encodeT1Block(rBlock(1, 'other'), 'lrc'))).toBe('00 92 00 92');
  });
  it('encodes S-blocks for each function, request and response', () => {
    expect(toHex(encodeT1Block(sBlock('resynch', false), 'lrc'))).toBe('00 C0 00 C0');
    expect(toHex(encodeT1Block(sBlock('ifs', true, Uint8Array.of(0xfe)), 'lrc'))).toBe('00 E1 01 FE 1E');
    expect(toHex(encodeT1Block(sBlock('abort', false), 'lrc'))).toBe('00 C2 00 C2');
    expect(toHex(encodeT1Block(sBlock('wtx', false, Uint8Array.of(2)), 'lrc'))).toBe('00 C3 01 02 C0');
  });
  it('refuses an INF longer than 254 bytes', () => {
    expect(() => encodeT1Block(iBlock(0, new Uint8Array(255)), 'lrc')).toThrow(MalformedDataError);
  });
});

describe('decodeT1Block', () => {
  const samples: T1Block[] = [
    iBlock(1, fromHex('01 02 03'), true, 0x21),
    iBlock(0, new Uint8Array(254)),
    rBlock(0, 'other'),
    sBlock('wtx', true, Uint8Array.of(0xff)),
    sBlock('resynch', true),
  ];
  for (const edc of ['lrc', 'crc'] as const) {
    it(`reads back what encodeT1Block wrote (${edc})`, () => {
      for (const block of samples) expect(decodeT1Block(encodeT1Block(block, edc), edc)).toEqual(block);
    });
  }

  it('reports a wrong LRC as a T1EdcError at the EDC offset', () => {
    const e = decodeError('00 00 01 AA 00');
    expect(e).toBeInstanceOf(T1EdcError);
    expect([e.offset, e.expected, e.got]).toEqual([4, 'AB', '00']);
  });
  it('reports a wrong CRC as a T1EdcError', () => {
    const good = encodeT1Block(rBlock(0), 'crc');
    good[4] = (good[4] ?? 0) ^ 1;
    expect(() => decodeT1Block(good, 'crc')).toThrow(T1EdcError);
  });
  it('names the length when the block is shorter or longer than LEN says', () => {
    const short = decodeError('00 00 02 AA A8');
    expect(short).not.toBeInstanceOf(T1EdcError);
    expect([short.offset, short.expected, short.got]).toEqual([2, '6 bytes (LEN 2)', '5 bytes']);
    expect(decodeError('00 00 00 00 00').got).toBe('5 bytes');
    expect(decodeError('00 00 00').expected).toBe('at least 4 bytes');
  });
  it('rejects NAD FF and LEN FF', () => {
    expect(decodeError('FF 00 00 FF').what).toBe('T=1 NAD');
    expect(decodeError('00 00 FF FF').what).toBe('T=1 LEN');
  });
  it('rejects PCBs with reserved bits', () => {
    expect(decodeError('00 01 00 01').got).toBe('01'); // I-block, b1 set
    expect(decodeError('00 83 00 83').got).toBe('83'); // R-block, error code 3
    expect(decodeError('00 A0 00 A0').got).toBe('A0'); // R-block, b6 set
    expect(decodeError('00 C4 00 C4').got).toBe('C4'); // S-block, function 4
  });
  it('rejects S-blocks whose INF does not fit their function', () => {
    expect(decodeError('00 C1 00 C1').what).toBe('T=1 S(ifs) LEN');
    expect(decodeError('00 C1 01 FF 3F').what).toBe('T=1 S(ifs) INF');
    expect(decodeError('00 C1 01 00 C0').what).toBe('T=1 S(ifs) INF');
    expect(decodeError('00 C3 01 00 C2').what).toBe('T=1 S(wtx) INF');
    expect(decodeError('00 C0 01 00 C1').what).toBe('T=1 S(resynch) LEN');
    expect(decodeError('00 80 01 00 81').what).toBe('T=1 R-block LEN');
  });
});

describe('describeT1Block', () => {
  it('names the block type, sequence number and function', () => {
    expect(describeT1Block(iBlock(1, new Uint8Array(3), true))).toBe('I(1,M) 3 bytes');
    expect(describeT1Block(rBlock(0, 'edc'))).toBe('R(0,edc)');
    expect(describeT1Block(sBlock('ifs', false, Uint8Array.of(0xfe)))).toBe('S(ifs request FE)');
  });
});

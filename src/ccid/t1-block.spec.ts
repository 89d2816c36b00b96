import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from './bytes';
import { MalformedDataError } from './errors';
import { crc16, decodeBlock, encodeBlock, lrc, T1BlockError } from './t1-block';
import type { T1Block, T1BlockFault, T1Edc, T1RError } from './t1-block';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

function faultOf(bytes: string, edc: T1Edc = 'lrc'): { fault: T1BlockFault; offset: number; expected: string; got: string } {
  try {
    decodeBlock(fromHex(bytes), edc);
  } catch (error) {
    expect(error).toBeInstanceOf(T1BlockError);
    expect(error).toBeInstanceOf(MalformedDataError);
    const e = error as T1BlockError;
    return { fault: e.fault, offset: e.offset, expected: e.expected, got: e.got };
  }
  throw new Error(`decodeBlock accepted ${bytes}`);
}

describe('lrc', () => {
  it('is the exclusive-or of all bytes', () => {
    expect(lrc(fromHex('00 00 02 90 00'))).toBe(0x92);
    expect(lrc(fromHex('00 C1 01 FE'))).toBe(0x3e);
    expect(lrc(new Uint8Array(0))).toBe(0);
  });
});

describe('crc16', () => {
  it('gives the ISO/IEC 13239 check value 906E over ASCII "123456789"', () => {
    expect(crc16(ascii('123456789'))).toBe(0x906e);
  });

  it('gives 0000 over no bytes (preset FFFF, complemented)', () => {
    expect(crc16(new Uint8Array(0))).toBe(0x0000);
  });

  it('leaves the ISO/IEC 13239 good-frame residue when run over data followed by its CRC, low byte first', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const crc = crc16(data);
        const framed = new Uint8Array([...data, crc & 0xff, crc >>> 8]);
        // Residue F0B8 before the final complement, so 0F47 after it.
        expect(crc16(framed)).toBe(0x0f47);
      }),
      { seed: 1234, numRuns: 500 },
    );
  });
});

describe('encodeBlock', () => {
  it('encodes I-blocks with N(S) in b7 and M in b6', () => {
    const inf = fromHex('00 A4 04 00');
    expect(toHex(encodeBlock({ kind: 'I', nad: 0, ns: 0, more: false, inf }, 'lrc'))).toBe('00 00 04 00 A4 04 00 A4');
    expect(toHex(encodeBlock({ kind: 'I', nad: 0, ns: 1, more: false, inf }, 'lrc'))).toBe('00 40 04 00 A4 04 00 E4');
    expect(toHex(encodeBlock({ kind: 'I', nad: 0, ns: 0, more: true, inf }, 'lrc'))).toBe('00 20 04 00 A4 04 00 84');
    expect(toHex(encodeBlock({ kind: 'I', nad: 0x12, ns: 1, more: true, inf }, 'lrc'))).toBe('12 60 04 00 A4 04 00 D6');
  });

  it('encodes R-blocks with N(R) in b5 and the error in b2..b1', () => {
    expect(toHex(encodeBlock({ kind: 'R', nad: 0, nr: 0, error: 'none' }, 'lrc'))).toBe('00 80 00 80');
    expect(toHex(encodeBlock({ kind: 'R', nad: 0, nr: 1, error: 'none' }, 'lrc'))).toBe('00 90 00 90');
    expect(toHex(encodeBlock({ kind: 'R', nad: 0, nr: 0, error: 'edc' }, 'lrc'))).toBe('00 81 00 81');
    expect(toHex(encodeBlock({ kind: 'R', nad: 0, nr: 1, error: 'other' }, 'lrc'))).toBe('00 92 00 92');
  });

  it('encodes S-blocks with the response flag in b6 and the function in b5..b1', () => {
    const s = (type: 'RESYNCH' | 'IFS' | 'ABORT' | 'WTX', response: boolean, inf: string): string =>
      toHex(encodeBlock({ kind: 'S', nad: 0, type, response, inf: fromHex(inf) }, 'lrc'));
    expect(s('RESYNCH', false, '')).toBe('00 C0 00 C0');
    expect(s('RESYNCH', true, '')).toBe('00 E0 00 E0');
    expect(s('IFS', false, 'FE')).toBe('00 C1 01 FE 3E');
    expect(s('IFS', true, '20')).toBe('00 E1 01 20 C0');
    expect(s('ABORT', false, '')).toBe('00 C2 00 C2');
    expect(s('ABORT', true, '')).toBe('00 E2 00 E2');
    expect(s('WTX', false, '05')).toBe('00 C3 01 05 C7');
    expect(s('WTX', true, '05')).toBe('00 E3 01 05 E7');
  });

  it('appends the CRC low byte first in CRC mode', () => {
    expect(toHex(encodeBlock({ kind: 'R', nad: 0, nr: 1, error: 'none' }, 'crc'))).toBe('00 90 00 91 DF');
    expect(toHex(encodeBlock({ kind: 'I', nad: 0, ns: 0, more: false, inf: ascii('123456789') }, 'crc'))).toBe(
      '00 00 09 31 32 33 34 35 36 37 38 39 59 04',
    );
  });

  it('refuses an INF longer than 254 bytes', () => {
    expect(() => encodeBlock({ kind: 'I', nad: 0, ns: 0, more: false, inf: new Uint8Array(255) }, 'lrc')).toThrow(T1BlockError);
  });

  it('refuses S-blocks that decodeBlock would reject', () => {
    expect(() => encodeBlock({ kind: 'S', nad: 0, type: 'IFS', response: false, inf: fromHex('00') }, 'lrc')).toThrow(T1BlockError);
    expect(() => encodeBlock({ kind: 'S', nad: 0, type: 'IFS', response: false, inf: fromHex('') }, 'lrc')).toThrow(T1BlockError);
    expect(() => encodeBlock({ kind: 'S', nad: 0, type: 'RESYNCH', response: false, inf: fromHex('01') }, 'lrc')).toThrow(
      T1BlockError,
    );
  });
});

describe('decodeBlock', () => {
  it('decodes each block kind', () => {
    expect(decodeBlock(fromHex('00 40 02 90 00 D2'), 'lrc')).toEqual({
      kind: 'I',
      nad: 0,
      ns: 1,
      more: false,
      inf: fromHex('90 00'),
    });
    expect(decodeBlock(fromHex('21 20 01 6A 6A'), 'lrc')).toEqual({ kind: 'I', nad: 0x21, ns: 0, more: true, inf: fromHex('6A') });
    expect(decodeBlock(fromHex('00 91 00 91'), 'lrc')).toEqual({ kind: 'R', nad: 0, nr: 1, error: 'edc' });
    expect(decodeBlock(fromHex('00 82 00 82'), 'lrc')).toEqual({ kind: 'R', nad: 0, nr: 0, error: 'other' });
    expect(decodeBlock(fromHex('00 C3 01 0A C8'), 'lrc')).toEqual({
      kind: 'S',
      nad: 0,
      type: 'WTX',
      response: false,
      inf: fromHex('0A'),
    });
    expect(decodeBlock(fromHex('00 E0 00 E0'), 'lrc')).toEqual({ kind: 'S', nad: 0, type: 'RESYNCH', response: true, inf: fromHex('') });
  });

  it('decodes a CRC block whose CRC matches and rejects one whose CRC bytes are swapped', () => {
    const crc = crc16(fromHex('00 00 02 90 00'));
    const good = Uint8Array.of(0, 0, 2, 0x90, 0, crc & 0xff, crc >>> 8);
    expect(decodeBlock(good, 'crc')).toMatchObject({ kind: 'I', inf: fromHex('90 00') });
    const swapped = Uint8Array.of(0, 0, 2, 0x90, 0, crc >>> 8, crc & 0xff);
    expect(faultOf(toHex(swapped), 'crc')).toMatchObject({ fault: 'edc', offset: 5 });
  });

  it('accepts exactly the PCB values of §11.3.2.2', () => {
    const accepted: string[] = [];
    for (let pcb = 0; pcb < 256; pcb++) {
      const len = (pcb & 0xc0) === 0xc0 && (pcb & 0x1f) % 2 === 1 ? 1 : 0; // IFS and WTX carry one byte
      const covered = len === 1 ? Uint8Array.of(0, pcb, 1, 0x20) : Uint8Array.of(0, pcb, 0);
      try {
        decodeBlock(Uint8Array.of(...covered, lrc(covered)), 'lrc');
        accepted.push(toHex(Uint8Array.of(pcb)));
      } catch (error) {
        expect(error).toBeInstanceOf(T1BlockError);
      }
    }
    expect(accepted.join(' ')).toBe('00 20 40 60 80 81 82 90 91 92 C0 C1 C2 C3 E0 E1 E2 E3');
  });

  it('names each violation with its offset, expectation and finding', () => {
    expect(faultOf('00 00')).toEqual({ fault: 'length', offset: 2, expected: 'at least 4 bytes', got: '2 bytes' });
    expect(faultOf('00 00 00', 'crc')).toEqual({ fault: 'length', offset: 3, expected: 'at least 5 bytes', got: '3 bytes' });
    expect(faultOf('00 00 FF 00')).toEqual({ fault: 'length', offset: 2, expected: '0..254', got: '255' });
    expect(faultOf('00 00 02 90 92')).toEqual({ fault: 'length', offset: 2, expected: '6 bytes for LEN 2', got: '5 bytes' });
    expect(faultOf('00 00 01 90 00 91')).toEqual({ fault: 'length', offset: 2, expected: '5 bytes for LEN 1', got: '6 bytes' });
    expect(faultOf('00 00 02 90 00 93')).toEqual({ fault: 'edc', offset: 5, expected: '92', got: '93' });
    expect(faultOf('FF 00 00 FF')).toEqual({ fault: 'nad', offset: 0, expected: 'not FF', got: 'FF' });
    expect(faultOf('00 01 00 01')).toMatchObject({ fault: 'pcb', offset: 1, got: '01' });
    expect(faultOf('00 A0 00 A0')).toMatchObject({ fault: 'pcb', offset: 1, got: 'A0' });
    expect(faultOf('00 83 00 83')).toMatchObject({ fault: 'pcb', offset: 1, got: '83' });
    expect(faultOf('00 E4 00 E4')).toMatchObject({ fault: 'pcb', offset: 1, got: 'E4' });
    expect(faultOf('00 80 01 00 81')).toEqual({ fault: 'inf', offset: 2, expected: '0', got: '1' });
    expect(faultOf('00 C1 00 C1')).toEqual({ fault: 'inf', offset: 2, expected: '1', got: '0' });
    expect(faultOf('00 C3 02 01 01 C1')).toEqual({ fault: 'inf', offset: 2, expected: '1', got: '2' });
    expect(faultOf('00 C0 01 00 C1')).toEqual({ fault: 'inf', offset: 2, expected: '0', got: '1' });
    expect(faultOf('00 E2 01 00 E3')).toEqual({ fault: 'inf', offset: 2, expected: '0', got: '1' });
    expect(faultOf('00 C1 01 00 C0')).toEqual({ fault: 'inf', offset: 3, expected: '1..254', got: '0' });
    expect(faultOf('00 E1 01 FF 1F')).toEqual({ fault: 'inf', offset: 3, expected: '1..254', got: '255' });
    expect(faultOf('00 C3 01 00 C2')).toEqual({ fault: 'inf', offset: 3, expected: '1..255', got: '0' });
  });

  it('round-trips every valid block through encodeBlock', () => {
    const nad = fc.integer({ min: 0, max: 0xfe });
    const bit = fc.constantFrom<0 | 1>(0, 1);
    const block: fc.Arbitrary<T1Block> = fc.oneof(
      fc.record({ kind: fc.constant('I' as const), nad, ns: bit, more: fc.boolean(), inf: fc.uint8Array({ maxLength: 254 }) }),
      fc.record({ kind: fc.constant('R' as const), nad, nr: bit, error: fc.constantFrom<T1RError>('none', 'edc', 'other') }),
      fc.record({
        kind: fc.constant('S' as const),
        nad,
        type: fc.constantFrom('RESYNCH' as const, 'ABORT' as const),
        response: fc.boolean(),
        inf: fc.constant(new Uint8Array(0)),
      }),
      fc.record({
        kind: fc.constant('S' as const),
        nad,
        type: fc.constantFrom('IFS' as const, 'WTX' as const),
        response: fc.boolean(),
        inf: fc.integer({ min: 1, max: 254 }).map((v) => Uint8Array.of(v)),
      }),
    );
    fc.assert(
      fc.property(block, fc.constantFrom<T1Edc>('lrc', 'crc'), (b, edc) => {
        expect(decodeBlock(encodeBlock(b, edc), edc)).toEqual(b);
      }),
      { seed: 1234, numRuns: 2000 },
    );
  });

  it('throws nothing but T1BlockError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom<T1Edc>('lrc', 'crc'), (bytes, edc) => {
        try {
          decodeBlock(bytes, edc);
        } catch (error) {
          expect(error).toBeInstanceOf(T1BlockError);
        }
      }),
      { seed: 1234, numRuns: 5000 },
    );
  });
});

import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { AtrError, parseAtr, type Atr, type AtrErrorKind } from './atr';
import { fromHex, toHex } from './bytes';
import { MalformedDataError } from './errors';

const atr = (hex: string): Atr => parseAtr(fromHex(hex));

/** Runs `fn` and returns the AtrError it throws (fails the test if it throws nothing or something else). */
function atrError(hex: string | Uint8Array): AtrError {
  try {
    parseAtr(typeof hex === 'string' ? fromHex(hex) : hex);
  } catch (e) {
    expect(e).toBeInstanceOf(AtrError);
    return e as AtrError;
  }
  throw new Error(`no error for ${typeof hex === 'string' ? hex : toHex(hex)}`);
}

describe('parseAtr', () => {
  describe('the eCard ATR 3B F0 13 00 00 81 31 FE 45 E8', () => {
    const ecard = atr('3B F0 13 00 00 81 31 FE 45 E8');

    it('decodes structure, speed and T=1 parameters', () => {
      expect(ecard.convention).toBe('direct');
      expect(ecard.formatByte).toBe(0xf0);
      expect(ecard.levels).toEqual([
        { index: 1, t: undefined, ta: 0x13, tb: 0x00, tc: 0x00, td: 0x81 },
        { index: 2, t: 1, ta: undefined, tb: undefined, tc: undefined, td: 0x31 },
        { index: 3, t: 1, ta: 0xfe, tb: 0x45, tc: undefined, td: undefined },
      ]);
      expect([ecard.ta1, ecard.fi, ecard.di, ecard.fmaxHz]).toEqual([0x13, 372, 4, 5_000_000]);
      expect(ecard.offeredProtocols).toEqual([1]);
      expect(ecard.firstOfferedProtocol).toBe(1);
      expect(ecard.t1).toEqual({ ifsc: 254, bwi: 4, cwi: 5, edc: 'lrc' });
      expect(ecard.historical).toEqual(new Uint8Array(0));
      expect(ecard.tck).toBe(0xe8);
      expect(ecard.guardTimeN).toBe(0);
      expect(ecard.specificMode).toBeUndefined();
      expect(ecard.clockStop).toBeUndefined();
      expect(ecard.voltageClasses).toBeUndefined();
      expect(toHex(ecard.raw)).toBe('3B F0 13 00 00 81 31 FE 45 E8');
    });

    it('keeps its own copy of the bytes', () => {
      const bytes = fromHex('3B F0 13 00 00 81 31 FE 45 E8');
      const parsed = parseAtr(bytes);
      bytes[1] = 0;
      expect(parsed.raw[1]).toBe(0xf0);
    });
  });

  describe('well-known ATRs', () => {
    it('reads a T=0-only ATR without TCK and defaults everything (3B 02 14 50)', () => {
      const a = atr('3B 02 14 50');
      expect(a.levels).toEqual([{ index: 1, t: undefined, ta: undefined, tb: undefined, tc: undefined, td: undefined }]);
      expect(toHex(a.historical)).toBe('14 50');
      expect(a.tck).toBeUndefined();
      expect(a.offeredProtocols).toEqual([0]);
      expect(a.firstOfferedProtocol).toBe(0);
      expect([a.ta1, a.fi, a.di, a.fmaxHz]).toEqual([0x11, 372, 1, 5_000_000]);
      expect(a.t0.wi).toBe(10);
      expect(a.t1).toEqual({ ifsc: 32, bwi: 4, cwi: 13, edc: 'lrc' });
    });

    it('reads TC2 as the T=0 waiting integer (Belgian eID 3B 98 13 40 0A ...)', () => {
      const a = atr('3B 98 13 40 0A A5 03 01 01 01 AD 13 11');
      expect(a.t0.wi).toBe(0x0a);
      expect(a.offeredProtocols).toEqual([0]);
      expect(a.tck).toBeUndefined();
      expect(toHex(a.historical)).toBe('A5 03 01 01 01 AD 13 11');
      expect([a.fi, a.di]).toEqual([372, 4]);
    });

    it('checks the TCK of a T=1 JavaCard and reads its historical bytes (JCOP21 3B FA 13 ...)', () => {
      const a = atr('3B FA 13 00 00 81 31 FE 45 4A 43 4F 50 32 31 56 32 33 31 91');
      expect(new TextDecoder().decode(a.historical)).toBe('JCOP21V231');
      expect(a.tck).toBe(0x91);
      expect(a.t1).toEqual({ ifsc: 254, bwi: 4, cwi: 5, edc: 'lrc' });
    });

    it('offers T=0 first and T=1 second with a TCK (PC/SC contactless 3B 8F 80 01 ...)', () => {
      const a = atr('3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A');
      expect(a.offeredProtocols).toEqual([0, 1]);
      expect(a.firstOfferedProtocol).toBe(0);
      expect(a.historical.length).toBe(15);
      expect(a.tck).toBe(0x6a);
      expect(a.t1).toEqual({ ifsc: 32, bwi: 4, cwi: 13, edc: 'lrc' });
    });

    it('reads an inverse-convention ATR (3F 96 18 80 01 ...)', () => {
      const a = atr('3F 96 18 80 01 80 51 00 61 10 30 9F');
      expect(a.convention).toBe('inverse');
      expect([a.fi, a.di]).toEqual([372, 12]);
      expect(a.offeredProtocols).toEqual([0, 1]);
      expect(a.tck).toBe(0x9f);
    });

    it('reads the class and clock-stop indicators from the first TA for T=15 (SIM 3B 9E 96 80 1F C3 ...)', () => {
      const a = atr('3B 9E 96 80 1F C3 80 31 E0 73 FE 21 1B 66 D0 01 6C 04 0D 00 60');
      expect(a.clockStop).toBe('no-preference');
      expect(a.voltageClasses).toEqual(['A', 'B']);
      expect(a.offeredProtocols).toEqual([0]);
      expect([a.fi, a.di, a.fmaxHz]).toEqual([512, 32, 5_000_000]);
      expect(a.tck).toBe(0x60);
      expect(a.levels[2]).toEqual({ index: 3, t: 15, ta: 0xc3, tb: undefined, tc: undefined, td: undefined });
    });

    it('reads clock stop "low" and class C (3B 97 94 80 3F 44 90 ...)', () => {
      const a = atr('3B 97 94 80 3F 44 90 80 31 A0 73 BE 21 00 95');
      expect(a.clockStop).toBe('low');
      expect(a.voltageClasses).toEqual(['C']);
    });

    it('reads specific mode from TA2 together with T=1 and T=15 bytes (3B 90 96 91 81 B1 FE 55 1F C7 D4)', () => {
      const a = atr('3B 90 96 91 81 B1 FE 55 1F C7 D4');
      expect(a.specificMode).toEqual({ protocol: 1, parametersImplicit: false, canChange: false });
      expect(a.t1).toEqual({ ifsc: 254, bwi: 5, cwi: 5, edc: 'lrc' });
      expect(a.clockStop).toBe('no-preference');
      expect(a.voltageClasses).toEqual(['A', 'B', 'C']);
    });

    it('reads a TA2 that allows a change of mode (3B F0 13 00 00 10 00)', () => {
      expect(atr('3B F0 13 00 00 10 00').specificMode).toEqual({ protocol: 0, parametersImplicit: false, canChange: true });
    });

    it('reads the implicit-parameters bit of TA2 (b5)', () => {
      expect(atr('3B 80 11 91 00').specificMode).toEqual({ protocol: 1, parametersImplicit: true, canChange: false });
    });

    it('keeps N = 255 of TC1 as given (3B 66 00 FF 4A 43 4F 50 30 33)', () => {
      const a = atr('3B 66 00 FF 4A 43 4F 50 30 33');
      expect(a.guardTimeN).toBe(255);
      expect(new TextDecoder().decode(a.historical)).toBe('JCOP03');
    });

    it('marks RFU Fi/Di codes of TA1 as undefined instead of guessing (3B 34 00 00 30 42 30 30)', () => {
      const a = atr('3B 34 00 00 30 42 30 30');
      expect([a.ta1, a.fi, a.fmaxHz, a.di]).toEqual([0x00, 372, 4_000_000, undefined]);
      const rfuFi = atr('3B 10 71');
      expect([rfuFi.fi, rfuFi.fmaxHz, rfuFi.di]).toEqual([undefined, undefined, 1]);
    });

    it('reads CRC as the EDC from bit 1 of the first TC for T=1', () => {
      const a = atr('3B 80 81 41 01 41');
      expect(a.t1.edc).toBe('crc');
      expect(a.levels[2]?.tc).toBe(0x01);
    });

    it('takes T=1 parameters from the first TA/TB/TC for T=1 only, not from other levels', () => {
      // TD1 = T=1, TD2 = T=0 with TA3 (not for T=1), TD3 = T=1 with TA4 = 0x80 (the IFSC).
      const a = atr('3B 80 81 90 20 11 80 20');
      expect(a.t1.ifsc).toBe(0x80);
      expect(a.offeredProtocols).toEqual([0, 1]);
    });
  });

  describe('typed errors', () => {
    it('rejects a TS other than 3B/3F at offset 0', () => {
      const e = atrError('3C F0 13');
      expect([e.kind, e.offset, e.expected, e.got]).toEqual(['bad-ts', 0, '0x3B (direct) or 0x3F (inverse)', '0x3C']);
      expect(atrError(new Uint8Array(0)).got).toBe('no bytes');
    });

    it('names the missing byte of a truncated ATR', () => {
      const e = atrError('3B F0 13 00 00 A1');
      // TD1 0xA1 announces TB2 and TD2; the data ends where TB2 should be.
      expect([e.kind, e.what, e.offset]).toEqual(['truncated', 'ATR TB2', 6]);
      expect(e.expected).toBe('TB2 (announced by TD1 0xA1)');
      expect(atrError('3B').what).toBe('ATR T0');
      expect(atrError('3B F0 13 00 00 81 31 FE 45').what).toBe('ATR TCK');
      expect(atrError('3B 02 14').what).toBe('ATR historical byte 2 of 2');
    });

    it('reports a TCK mismatch at the TCK position with expected and received values', () => {
      const e = atrError('3B F0 13 00 00 81 31 FE 45 E9');
      expect([e.kind, e.offset, e.expected, e.got]).toEqual(['tck-mismatch', 9, '0xE8', '0xE9']);
    });

    it('rejects trailing bytes after TCK and after the historical bytes of a T=0 ATR', () => {
      const afterTck = atrError('3B F0 13 00 00 81 31 FE 45 E8 00');
      expect([afterTck.kind, afterTck.offset, afterTck.got]).toEqual(['trailing-bytes', 10, '1 more byte(s): 00']);
      const afterHistorical = atrError('3B 02 14 50 11');
      expect([afterHistorical.kind, afterHistorical.offset]).toEqual(['trailing-bytes', 4]);
    });

    it('rejects an ATR whose structure runs past TS + 32 characters', () => {
      // 16 levels of TDi = 0x80 and then more: TD chains do not stop on their own.
      const bytes = fromHex(`3B 80 ${'80 '.repeat(40)}`);
      const e = atrError(bytes);
      expect([e.kind, e.offset, e.what]).toEqual(['too-long', 33, 'ATR TD32']);
      expect(atrError(bytes.subarray(0, 20)).kind).toBe('truncated');
    });

    it('rejects T=15 in TD1 (§8.2.3)', () => {
      const e = atrError('3B 81 1F 00 CC 52');
      expect([e.kind, e.what, e.offset]).toEqual(['invalid-value', 'ATR TD1', 2]);
    });

    it('rejects the reserved IFSC values 0x00 and 0xFF', () => {
      const ff = atrError('3B EF 00 FF 81 31 FF 65 49 42 4D 20 4D 46 43 39 32 32 39 32 38 39 30 17');
      expect([ff.kind, ff.what, ff.offset, ff.got]).toEqual(['invalid-value', 'ATR TA3 (IFSC)', 6, '0xFF']);
      expect(atrError('3B 80 81 11 00 10').got).toBe('0x00');
    });

    it('rejects BWI above 9 and WI = 0', () => {
      const bwi = atrError('3B 80 81 21 A5 85');
      expect([bwi.kind, bwi.what, bwi.offset]).toEqual(['invalid-value', 'ATR TB3 (BWI)', 4]);
      const wi = atrError('3B 80 40 00');
      expect([wi.kind, wi.what, wi.offset]).toEqual(['invalid-value', 'ATR TC2 (WI)', 3]);
    });

    it('is a MalformedDataError whose message names what, where, expected and got', () => {
      const e = atrError('3B F0 13 00 00 81 31 FE 45 E9');
      expect(e).toBeInstanceOf(MalformedDataError);
      expect(e.name).toBe('AtrError');
      expect(e.message).toBe('ATR TCK: at offset 9 expected 0xE8, got 0xE9');
    });
  });

  describe('the ATR corpus (shared/atr-corpus/atrs.txt)', () => {
    // Format, checked below rather than assumed: one ATR per line as space-separated hex pairs,
    // no comments, no wildcards, no blank lines. Every line is one entry.
    const text = readFileSync(new URL('../../../shared/atr-corpus/atrs.txt', import.meta.url), 'utf8');
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();

    it('has one plain hex ATR per line', () => {
      expect(lines.length).toBe(3803);
      expect(lines.filter((l) => !/^[0-9A-F]{2}( [0-9A-F]{2})*$/.test(l))).toEqual([]);
    });

    it('gives an Atr or an AtrError for every line, never another exception', () => {
      const counts: Record<string, number> = {};
      for (const line of lines) {
        let outcome: string;
        try {
          parseAtr(fromHex(line));
          outcome = 'parsed';
        } catch (e) {
          outcome = e instanceof AtrError ? `AtrError ${e.kind}` : `untyped ${String(e)}`;
        }
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
      console.table(counts);
      const expected: Record<'parsed' | `AtrError ${AtrErrorKind}`, number> = {
        parsed: 3705,
        'AtrError truncated': 42,
        'AtrError trailing-bytes': 30,
        'AtrError tck-mismatch': 20,
        'AtrError invalid-value': 6,
        'AtrError bad-ts': 0,
        'AtrError too-long': 0,
      };
      expect(Object.fromEntries(Object.keys(expected).map((k) => [k, counts[k] ?? 0]))).toEqual(expected);
      expect(Object.keys(counts).filter((k) => k.startsWith('untyped'))).toEqual([]);
    });

    it('contains the eCard ATR and parses it', () => {
      expect(lines).toContain('3B F0 13 00 00 81 31 FE 45 E8');
    });
  });

  describe('properties (fast-check, fixed seeds)', () => {
    /** One generated, valid ATR: the T of each TDi and the bytes of each level. */
    interface AtrShape {
      readonly inverse: boolean;
      readonly ts: readonly number[];
      readonly levels: readonly { ta?: number | undefined; tb?: number | undefined; tc?: number | undefined }[];
      readonly historical: Uint8Array;
    }

    const byte = fc.integer({ min: 0, max: 255 });
    const opt = (arb: fc.Arbitrary<number>) => fc.option(arb, { nil: undefined });
    /** Bytes that are valid at level `index` after a TD announcing `t` (IFSC, BWI and WI rules). */
    const levelArb = (index: number, t: number | undefined) => {
      const forT1 = index >= 3 && t === 1;
      return fc.record({
        ta: opt(forT1 ? fc.integer({ min: 1, max: 254 }) : byte),
        tb: opt(forT1 ? fc.integer({ min: 0, max: 0x9f }) : byte),
        tc: opt(index === 2 ? fc.integer({ min: 1, max: 255 }) : byte),
      });
    };

    function encode(shape: AtrShape): Uint8Array {
      const presence = (i: number): number => {
        const l = shape.levels[i] ?? {};
        return (l.ta === undefined ? 0 : 1) | (l.tb === undefined ? 0 : 2) | (l.tc === undefined ? 0 : 4) | (i < shape.ts.length ? 8 : 0);
      };
      const out = [shape.inverse ? 0x3f : 0x3b, (presence(0) << 4) | shape.historical.length];
      shape.levels.forEach((l, i) => {
        for (const b of [l.ta, l.tb, l.tc]) if (b !== undefined) out.push(b);
        const t = shape.ts[i];
        if (t !== undefined) out.push((presence(i + 1) << 4) | t);
      });
      out.push(...shape.historical);
      if (shape.ts.some((t) => t !== 0)) out.push(out.slice(1).reduce((x, b) => x ^ b, 0));
      return Uint8Array.from(out);
    }

    const shapeArb: fc.Arbitrary<AtrShape> = fc
      .array(fc.constantFrom(0, 1, 2, 14, 15), { maxLength: 5 })
      .filter((ts) => ts[0] !== 15)
      .chain((ts) =>
        fc.record({
          inverse: fc.boolean(),
          ts: fc.constant(ts),
          levels: fc.tuple(...Array.from({ length: ts.length + 1 }, (_, i) => levelArb(i + 1, i === 0 ? undefined : ts[i - 1]))),
          historical: fc.uint8Array({ maxLength: 15 }),
        }),
      )
      .filter((shape) => encode(shape).length <= 33);

    const onlyAtrOrAtrError = (bytes: Uint8Array): boolean => {
      try {
        parseAtr(bytes);
      } catch (e) {
        if (!(e instanceof AtrError)) throw e;
      }
      return true;
    };

    it('parses every generated valid ATR back to its levels, historical bytes and protocols', () => {
      fc.assert(
        fc.property(shapeArb, (shape) => {
          const a = parseAtr(encode(shape));
          expect(a.levels.map((l) => [l.ta, l.tb, l.tc])).toEqual(shape.levels.map((l) => [l.ta, l.tb, l.tc]));
          expect(a.levels.map((l) => l.td).filter((td) => td !== undefined).map((td) => td & 0x0f)).toEqual(shape.ts);
          expect(a.historical).toEqual(shape.historical);
          expect(a.tck !== undefined).toBe(shape.ts.some((t) => t !== 0));
          const offered = [...new Set(shape.ts.filter((t) => t !== 15))].sort((x, y) => x - y);
          expect(a.offeredProtocols).toEqual(offered.length === 0 ? [0] : offered);
        }),
        { seed: 7816, numRuns: 10_000 },
      );
    });

    it('reports every strict prefix of a valid ATR as truncated at the prefix length', () => {
      const arb = shapeArb.map(encode).chain((bytes) => fc.tuple(fc.constant(bytes), fc.integer({ min: 1, max: bytes.length - 1 })));
      fc.assert(
        fc.property(arb, ([bytes, cut]) => {
          const e = atrError(bytes.subarray(0, cut));
          expect([e.kind, e.offset]).toEqual(['truncated', cut]);
        }),
        { seed: 7817, numRuns: 10_000 },
      );
    });

    it('reports bytes appended to a valid ATR as trailing at the original length', () => {
      const arb = fc.tuple(shapeArb.map(encode), fc.uint8Array({ minLength: 1, maxLength: 8 }));
      fc.assert(
        fc.property(arb, ([bytes, extra]) => {
          const e = atrError(Uint8Array.from([...bytes, ...extra]));
          expect([e.kind, e.offset]).toEqual(['trailing-bytes', bytes.length]);
        }),
        { seed: 7818, numRuns: 10_000 },
      );
    });

    it('gives only an Atr or an AtrError for valid ATRs with one or more bytes changed', () => {
      const arb = shapeArb
        .map(encode)
        .chain((bytes) => fc.tuple(fc.constant(bytes), fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), byte), { minLength: 1, maxLength: 3 })));
      fc.assert(
        fc.property(arb, ([bytes, changes]) => {
          const mutated = bytes.slice();
          for (const [at, value] of changes) mutated[at] = value;
          return onlyAtrOrAtrError(mutated);
        }),
        { seed: 7819, numRuns: 10_000 },
      );
    });

    it('gives only an Atr or an AtrError for random bytes, with a valid TS or any', () => {
      const arb = fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc.tuple(fc.constantFrom(0x3b, 0x3f), fc.uint8Array({ maxLength: 40 })).map(([ts, rest]) => Uint8Array.from([ts, ...rest])),
      );
      fc.assert(fc.property(arb, onlyAtrOrAtrError), { seed: 7820, numRuns: 20_000 });
    });
  });
});

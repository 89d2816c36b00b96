import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PpsError, encodePps, parsePps, validatePpsResponse, type Pps, type PpsErrorKind } from './negotiation-pps';
import { fromHex, toHex } from './bytes';

const pps = (protocol: number, pps1?: number, pps2?: number, pps3?: number): Pps => ({ protocol, pps1, pps2, pps3 });

function ppsError(run: () => unknown): PpsError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(PpsError);
    return e as PpsError;
  }
  throw new Error('no PpsError thrown');
}

describe('encodePps', () => {
  it('encodes T=1 at Fi 372 / Di 4 as FF 11 13 FD (PCK = FF ^ 11 ^ 13)', () => {
    expect(toHex(encodePps(pps(1, 0x13)))).toBe('FF 11 13 FD');
  });

  it('leaves PPS1 out to keep Fd/Dd, only selecting the protocol', () => {
    expect(toHex(encodePps(pps(1)))).toBe('FF 01 FE');
    expect(toHex(encodePps(pps(0)))).toBe('FF 00 FF');
  });

  it('sets the presence bits of PPS2 and PPS3', () => {
    expect(toHex(encodePps(pps(1, 0x96, 0x01, 0x02)))).toBe('FF 71 96 01 02 1B');
  });
});

describe('parsePps', () => {
  it('decodes what encodePps wrote, for any protocol and optional bytes', () => {
    const byte = fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15 }), byte, byte, byte, (t, p1, p2, p3) => {
        expect(parsePps(encodePps(pps(t, p1, p2, p3)))).toEqual(pps(t, p1, p2, p3));
      }),
      { seed: 9001, numRuns: 2_000 },
    );
  });

  it.each<[string, string, PpsErrorKind, number, string]>([
    ['a PPSS other than FF', 'FE 11 13 FC', 'bad-ppss', 0, 'PPS PPSS'],
    ['PPS0 b8 set', 'FF 91 13 7D', 'reserved-bit', 1, 'PPS PPS0'],
    ['a missing PPS1', 'FF 11', 'truncated', 2, 'PPS PPS1'],
    ['a missing PCK', 'FF 11 13', 'truncated', 3, 'PPS PCK'],
    ['a wrong PCK', 'FF 11 13 FE', 'pck-mismatch', 3, 'PPS PCK'],
    ['bytes after PCK', 'FF 11 13 FD 00', 'trailing-bytes', 4, 'PPS'],
  ])('rejects %s', (_, hex, kind, offset, what) => {
    const e = ppsError(() => parsePps(fromHex(hex)));
    expect([e.kind, e.offset, e.what]).toEqual([kind, offset, what]);
  });

  it('names the expected PCK when it does not match', () => {
    const e = ppsError(() => parsePps(fromHex('FF 11 13 FE')));
    expect([e.expected, e.got]).toEqual(['0xFD', '0xFE']);
  });
});

describe('validatePpsResponse', () => {
  const request = fromHex('FF 11 13 FD');

  it('accepts an echo: the requested speed is in force', () => {
    expect(validatePpsResponse(request, fromHex('FF 11 13 FD'))).toEqual({ protocol: 1, findexDindex: 0x13, speedAccepted: true });
  });

  it('accepts an answer without PPS1: the protocol is in force at Fd/Dd', () => {
    expect(validatePpsResponse(request, fromHex('FF 01 FE'))).toEqual({ protocol: 1, findexDindex: 0x11, speedAccepted: false });
  });

  it('accepts a protocol-only exchange', () => {
    expect(validatePpsResponse(fromHex('FF 01 FE'), fromHex('FF 01 FE'))).toEqual({ protocol: 1, findexDindex: 0x11, speedAccepted: true });
  });

  it.each<[string, string, PpsErrorKind, number]>([
    ['an empty answer', '', 'no-answer', 0],
    ['the ATR again (the card reset)', '3B F0 13 00 00 81 31 FE 45 E8', 'atr-again', 0],
    ['an inverse-convention ATR', '3F 96 18 80 01 80 51 00 61 10 30 9F', 'atr-again', 0],
    ['another protocol', 'FF 10 13 FC', 'not-echoed', 1],
    ['another PPS1', 'FF 11 12 FC', 'not-echoed', 2],
    ['a PPS2 that was not asked for', 'FF 31 13 00 DD', 'not-echoed', 3],
    ['a corrupted answer', 'FF 11 13 FC', 'pck-mismatch', 3],
    ['a truncated answer', 'FF 11', 'truncated', 2],
  ])('rejects %s', (_, hex, kind, offset) => {
    const e = ppsError(() => validatePpsResponse(request, fromHex(hex)));
    expect([e.kind, e.offset]).toEqual([kind, offset]);
  });

  it('rejects a PPS1 in the answer when the request had none', () => {
    const e = ppsError(() => validatePpsResponse(fromHex('FF 01 FE'), fromHex('FF 11 13 FD')));
    expect([e.kind, e.what, e.expected, e.got]).toEqual(['not-echoed', 'PPS response PPS1', 'no PPS1', '0x13']);
  });

  it('rejects a malformed request of our own as a typed error too', () => {
    expect(ppsError(() => validatePpsResponse(fromHex('FF 11 13'), fromHex('FF 11 13 FD'))).what).toBe('PPS request PCK');
  });

  it('gives only an outcome or a PpsError for any answer bytes', () => {
    const answer = fc.oneof(
      fc.uint8Array({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 7 }).map((rest) => Uint8Array.from([0xff, ...rest])),
    );
    fc.assert(
      fc.property(answer, (bytes) => {
        try {
          const outcome = validatePpsResponse(request, bytes);
          expect(outcome.protocol).toBe(1);
          expect([0x11, 0x13]).toContain(outcome.findexDindex);
        } catch (e) {
          if (!(e instanceof PpsError)) throw e;
        }
      }),
      { seed: 9002, numRuns: 10_000 },
    );
  });
});

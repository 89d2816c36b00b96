import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { planProtocol, type ProtocolPlan, type ReaderCaps, type T1Plan } from './negotiation';
import { parsePps } from './negotiation-pps';
import { decodeProtocolData } from './negotiation-parameters';
import { parseAtr } from './atr';
import { fromHex, toHex } from './bytes';
import { CardNotSupportedError } from './errors';

interface Vector {
  readonly file: string;
  readonly block: number;
  readonly decoded: {
    readonly dwProtocols: number;
    readonly dwFeatures: number;
    readonly dwDefaultClock: number;
    readonly dwMaximumClock: number;
    readonly dwDataRate: number;
    readonly dwMaxDataRate: number;
    readonly dwMaxIFSD: number;
  };
  readonly get_data_rates_bps: readonly number[];
}

const vectors = JSON.parse(readFileSync(new URL('../../../shared/ccid-readers/vectors.json', import.meta.url), 'utf8')) as Vector[];

/** What the lead's driver fills from the descriptor: the `decoded` fields as stored (kHz, bps). */
function capsOf(v: Vector): ReaderCaps {
  const d = v.decoded;
  return {
    protocols: Array.from({ length: 32 }, (_, t) => t).filter((t) => (d.dwProtocols >>> t) & 1),
    features: d.dwFeatures,
    defaultClockKhz: d.dwDefaultClock,
    maxClockKhz: d.dwMaximumClock,
    dataRate: d.dwDataRate,
    maxDataRate: d.dwMaxDataRate,
    dataRates: v.get_data_rates_bps,
    maxIfsd: d.dwMaxIFSD,
  };
}

function reader(file: string): ReaderCaps {
  const v = vectors.find((x) => x.file === file);
  if (v === undefined) throw new Error(`no vector ${file}`);
  return capsOf(v);
}

function asT1(plan: ProtocolPlan): T1Plan {
  if (plan.protocol !== 1) throw new Error(`expected T=1, got T=${plan.protocol}`);
  return plan;
}

const hexOrNull = (bytes: Uint8Array | null): string | null => (bytes === null ? null : toHex(bytes));

const ecard = parseAtr(fromHex('3B F0 13 00 00 81 31 FE 45 E8'));
/** Gemalto GemPC Twin: TPDU, T=0/T=1, 4 MHz, GET_DATA_RATES lists 43011 and 21505, dwFeatures 0x10230. */
const gemPcTwin = reader('GemPCTwin.txt');

describe('planProtocol with the eCard ATR', () => {
  it('(a) on a TPDU reader that runs 4x speed: T=1, Di 4 at 43010 bps, PPS FF 11 13 FD, SetParameters', () => {
    const plan = asT1(planProtocol(ecard, gemPcTwin));
    expect(gemPcTwin.dataRates).toContain(43011);
    expect(hexOrNull(plan.pps)).toBe('FF 11 13 FD');
    expect(hexOrNull(plan.parameters)).toBe('13 10 00 45 00 FE 00');
    expect([plan.fi, plan.di, plan.findexDindex, plan.clockKhz, plan.baudRate]).toEqual([372, 4, 0x13, 4000, 43010]);
    expect([plan.ifsc, plan.ifsd, plan.edc, plan.bwi, plan.cwi]).toEqual([254, 254, 'lrc', 4, 5]);
    expect(plan.sendIfsRequest).toBe(true);
    expect(plan.readerNegotiates).toBe(false);
    expect(plan.reason).toEqual([
      'T=1: the first protocol the card offers.',
      'Speed Fi 372 / Di 4 (43010 bps) at 4000 kHz.',
      'PPS FF 11 13 FD for a faster speed.',
    ]);
  });

  it('matches the computed rate to a listed rate within 2 % (43010 against 43010 or 43011), not further', () => {
    expect(planProtocol(ecard, { ...gemPcTwin, dataRates: [10752, 43010] }).di).toBe(4);
    expect(planProtocol(ecard, { ...gemPcTwin, dataRates: [10752, 42200] }).di).toBe(4);
    const offBy3Percent = planProtocol(ecard, { ...gemPcTwin, dataRates: [10752, 41700] });
    expect([offBy3Percent.di, offBy3Percent.pps]).toEqual([1, null]);
  });

  it('(b) on a reader whose dwMaxDataRate is below 4x: the next slower Di that fits (Di 2, PPS FF 11 12 FC)', () => {
    const plan = planProtocol(ecard, { ...gemPcTwin, maxDataRate: 30_000 });
    expect([plan.di, plan.baudRate, plan.findexDindex]).toEqual([2, 21505, 0x12]);
    expect(hexOrNull(plan.pps)).toBe('FF 11 12 FC');
    expect(plan.parameters?.[0]).toBe(0x12);
    expect(plan.reason).toContain('Not Fi 372 / Di 4 (43010 bps): 43010 bps is above dwMaxDataRate 30000.');
  });

  it('(b) falls back to Fd/Dd without any PPS when no faster Di fits (T=1 is already the first protocol)', () => {
    const plan = planProtocol(ecard, { ...gemPcTwin, maxDataRate: 10_752 });
    expect([plan.fi, plan.di, plan.baudRate, plan.pps]).toEqual([372, 1, 10752, null]);
    expect(hexOrNull(plan.parameters)).toBe('11 10 00 45 00 FE 00');
  });

  it('(b) on a real reader whose rate list lacks 43010 and 21505 (Ingenico Leo): default speed', () => {
    const leo: ReaderCaps = {
      protocols: [0, 1], features: 0x000204ba, defaultClockKhz: 4000, maxClockKhz: 4000, dataRate: 9600, maxDataRate: 230400,
      dataRates: [9600, 14400, 19200, 28800, 38400, 57600, 57688, 115200, 116129, 225000, 230400], maxIfsd: 254,
    };
    const plan = planProtocol(ecard, leo);
    expect([plan.di, plan.pps, plan.parameters?.[0]]).toEqual([1, null, 0x11]);
  });

  it('(c) on a reader that negotiates by itself (dwFeatures 0x40): no PPS, no SetParameters', () => {
    const caps = reader('ACS_ACR1251_Dual_Reader.txt');
    expect(caps.features & 0x40).toBe(0x40);
    const plan = planProtocol(ecard, caps);
    expect([plan.protocol, plan.pps, plan.parameters, plan.readerNegotiates]).toEqual([1, null, null, true]);
  });

  it('(d) on a reader that makes the PPS itself (dwFeatures 0x80): no PPS bytes, SetParameters with 0x13', () => {
    const caps = reader('Aladdin_R.D._JCR-770.txt');
    expect(caps.features & 0xc0).toBe(0x80);
    const plan = asT1(planProtocol(ecard, caps));
    expect(plan.pps).toBeNull();
    expect(hexOrNull(plan.parameters)).toBe('13 10 00 45 00 FE 00');
    expect(plan.sendIfsRequest).toBe(false); // dwFeatures 0x400 and APDU level
  });

  it('(d) the same TPDU reader with 0x80 added: SetParameters 0x13 and no PPS bytes', () => {
    const plan = planProtocol(ecard, { ...gemPcTwin, features: gemPcTwin.features | 0x80 });
    expect([plan.pps, plan.parameters?.[0]]).toEqual([null, 0x13]);
  });

  it('(e) on a T=0-only reader: CardNotSupportedError naming both sides', () => {
    const caps = reader('ATMEL_AT91SC192192CT-USB.txt');
    expect(caps.protocols).toEqual([0]);
    expect(() => planProtocol(ecard, caps)).toThrow(CardNotSupportedError);
    expect(() => planProtocol(ecard, caps)).toThrow('The card offers T=1; the reader supports T=0.');
  });

  it('announces IFSD = dwMaxIFSD capped at 254, or 32 when the reader says 0', () => {
    expect(asT1(planProtocol(ecard, { ...gemPcTwin, maxIfsd: 2048 })).ifsd).toBe(254);
    expect(asT1(planProtocol(ecard, { ...gemPcTwin, maxIfsd: 123 })).ifsd).toBe(123);
    expect(asT1(planProtocol(ecard, { ...gemPcTwin, maxIfsd: 0 })).ifsd).toBe(32);
  });

  it('leaves the S(IFS request) to a reader with automatic IFSD exchange (dwFeatures 0x400)', () => {
    expect(asT1(planProtocol(ecard, { ...gemPcTwin, features: gemPcTwin.features | 0x400 })).sendIfsRequest).toBe(false);
  });
});

describe('planProtocol with other cards', () => {
  const dual = parseAtr(fromHex('3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A')); // T=0 first, T=1

  it('takes the first offered protocol at default speed without PPS', () => {
    const plan = planProtocol(dual, gemPcTwin);
    expect([plan.protocol, plan.pps, hexOrNull(plan.parameters)]).toEqual([0, null, '11 00 00 0A 00']);
  });

  it('sends a protocol-only PPS (FF 01 FE) for T=1 when the caller prefers it', () => {
    const plan = planProtocol(dual, gemPcTwin, 1);
    expect([plan.protocol, hexOrNull(plan.pps)]).toEqual([1, 'FF 01 FE']);
  });

  it('picks T=1 with a PPS when the reader lacks the first offered T=0', () => {
    const plan = planProtocol(dual, { ...gemPcTwin, protocols: [1] });
    expect([plan.protocol, hexOrNull(plan.pps)]).toEqual([1, 'FF 01 FE']);
  });

  it('ignores a preference that card and reader cannot share, and says so', () => {
    const plan = planProtocol(ecard, gemPcTwin, 0);
    expect(plan.protocol).toBe(1);
    expect(plan.reason[0]).toBe('T=0 was preferred but card and reader share only T=1.');
  });

  it('puts WI, N, inverse convention and clock stop of a T=0 card into SetParameters', () => {
    // TA1 0x96 (Fi 512, Di 32), TC1 N = 2, TD1 T=0 with TC2 WI = 0x20; TD2 T=15 with TA3 0x42 (clock stop low, class B).
    const atr = parseAtr(fromHex('3F D0 96 02 C0 20 1F 42 F9'));
    const plan = planProtocol(atr, { ...gemPcTwin, dataRates: [] });
    expect(plan.protocol).toBe(0);
    expect([plan.fi, plan.di, plan.baudRate]).toEqual([512, 32, 250000]);
    expect(hexOrNull(plan.pps)).toBe('FF 10 96 79');
    expect(hexOrNull(plan.parameters)).toBe('96 02 02 20 01');
  });

  it('uses CRC from the ATR in bmTCCKST1', () => {
    const crc = parseAtr(fromHex('3B 80 81 41 01 41'));
    expect(planProtocol(crc, gemPcTwin).parameters?.[1]).toBe(0x11);
  });

  it('does not negotiate a speed that is not faster than Fd/Dd (Fi 512 / Di 1)', () => {
    const slow = parseAtr(fromHex('3B 90 91 01 00')); // TA1 0x91, TD1 T=1
    const plan = planProtocol(slow, gemPcTwin);
    expect([plan.fi, plan.di, plan.pps]).toEqual([372, 1, null]);
  });

  it('falls back to Fd/Dd when TA1 uses reserved codes', () => {
    const plan = planProtocol(parseAtr(fromHex('3B 34 00 00 30 42 30 30')), gemPcTwin);
    expect([plan.findexDindex, plan.pps]).toEqual([0x11, null]);
    expect(plan.reason).toContain('TA1 0x00 uses a reserved Fi/Di code: default speed Fi 372 / Di 1 (10752 bps).');
  });

  describe('specific mode (TA2)', () => {
    const specificT1 = parseAtr(fromHex('3B 90 96 91 81 B1 FE 55 1F C7 D4')); // TA1 0x96, TA2 T=1

    it('uses TA2 protocol and TA1 speed, no PPS, even when T=0 is preferred', () => {
      const plan = asT1(planProtocol(specificT1, { ...gemPcTwin, dataRates: [] }, 0));
      expect([plan.pps, plan.fi, plan.di]).toEqual([null, 512, 32]);
      expect(hexOrNull(plan.parameters)).toBe('96 10 00 55 03 FE 00');
    });

    it('is not supported when the reader cannot run its speed', () => {
      expect(() => planProtocol(specificT1, { ...gemPcTwin, maxDataRate: 200_000 })).toThrow(
        'The card is in specific mode at Fi 512 / Di 32 (250000 bps), which the reader cannot run: 250000 bps is above dwMaxDataRate 200000.',
      );
    });

    it('is not supported when the reader lacks its protocol, with a hint when the card can change mode', () => {
      const canChange = parseAtr(fromHex('3B F0 13 00 00 10 00'));
      expect(() => planProtocol(canChange, { ...gemPcTwin, protocols: [1] })).toThrow(
        'The card is in specific mode for T=0 (TA2); the reader supports T=1 (a warm reset may put the card in negotiable mode).',
      );
    });

    it('assumes Fd/Dd when TA2 says the parameters are implicit', () => {
      const plan = planProtocol(parseAtr(fromHex('3B 80 11 91 00')), gemPcTwin);
      expect([plan.protocol, plan.findexDindex, plan.pps]).toEqual([1, 0x11, null]);
    });
  });
});

describe('planProtocol over every reader of the corpus (shared/ccid-readers/vectors.json)', () => {
  it('plans the eCard on all 773 descriptors with no untyped error, and each plan is consistent', () => {
    const counts: Record<string, number> = {};
    for (const v of vectors) {
      const caps = capsOf(v);
      let outcome: string;
      try {
        const plan = asT1(planProtocol(ecard, caps));
        outcome = `T=1 Di ${plan.di}${plan.pps ? ' + PPS' : ''}${plan.readerNegotiates ? ' (reader negotiates)' : ''}`;
        if (plan.pps !== null) expect(parsePps(plan.pps)).toEqual({ protocol: 1, pps1: plan.findexDindex, pps2: undefined, pps3: undefined });
        if (plan.di !== 1) expect(plan.baudRate).toBeLessThanOrEqual(caps.maxDataRate * 1.02);
        expect(plan.parameters === null).toBe((caps.features & 0x40) !== 0);
        if (plan.parameters !== null) expect(decodeProtocolData(1, plan.parameters)).toMatchObject({ findexDindex: plan.findexDindex, ifsc: 254 });
        expect(plan.ifsd).toBeGreaterThanOrEqual(1);
        expect(plan.ifsd).toBeLessThanOrEqual(254);
      } catch (e) {
        outcome = e instanceof CardNotSupportedError ? 'not supported' : `untyped ${String(e)} (${v.file})`;
      }
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    console.table(counts);
    expect(Object.keys(counts).filter((k) => k.startsWith('untyped'))).toEqual([]);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(773);
    // Di 1: dwMaxDataRate below 4x, or a GET_DATA_RATES list without it (some lists are garbage,
    // e.g. all zeros: the safe reading is "nothing faster than the default").
    expect(counts).toEqual({
      'T=1 Di 4 + PPS': 91,
      'T=1 Di 4': 360,
      'T=1 Di 1': 107,
      'T=1 Di 4 (reader negotiates)': 90,
      'T=1 Di 1 (reader negotiates)': 67,
      'not supported': 58,
    });
  });
});

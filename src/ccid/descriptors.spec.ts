import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { findCcidInterfaces, parseCcidClassDescriptor, type ExchangeLevel } from './descriptors';
import { concatBytes, fromHex } from './bytes';
import { CcidError, MalformedDataError } from './errors';
import { readerDump, readerVectors } from '../../tests/support/corpus';

/** GemPC Twin (08E6:3437), from the corpus. */
const GEMPC_TWIN = fromHex('36210001000703000000a00f0000a00f000000002a00001640050000fe0000000000000000000000300201000f010000000000000001');

const iface = (n: number, cls: number, endpoints = 3) => Uint8Array.of(9, 0x04, n, 0, endpoints, cls, 0, 0, 0);
const ep = (address: number, attributes: number, packet = 64) => Uint8Array.of(7, 0x05, address, attributes, packet, 0, 0);
const endpoints = (base: number) => [ep(base, 2), ep(0x80 | (base + 1), 2), ep(0x80 | (base + 2), 3, 8)];

function config(...parts: Uint8Array[]): Uint8Array {
  const total = 9 + parts.reduce((n, p) => n + p.length, 0);
  return concatBytes([Uint8Array.of(9, 0x02, total & 0xff, total >> 8, 1, 1, 0, 0x80, 50), ...parts]);
}

function withType(descriptor: Uint8Array, type: number): Uint8Array {
  const copy = descriptor.slice();
  copy[1] = type;
  return copy;
}

describe('parseCcidClassDescriptor', () => {
  it('decodes the 22 fields and what callers need', () => {
    const d = parseCcidClassDescriptor(GEMPC_TWIN);
    expect(d).toMatchObject({
      bLength: 0x36,
      bDescriptorType: 0x21,
      bcdCCID: 0x0100,
      bMaxSlotIndex: 0,
      bVoltageSupport: 7,
      dwProtocols: 3,
      dwDefaultClock: 4000,
      dwMaximumClock: 4000,
      bNumClockSupported: 0,
      dwDataRate: 10752,
      dwMaxDataRate: 344086,
      bNumDataRatesSupported: 0,
      dwMaxIFSD: 254,
      dwSynchProtocols: 0,
      dwMechanical: 0,
      dwFeatures: 0x00010230,
      dwMaxCCIDMessageLength: 271,
      bClassGetResponse: 0,
      bClassEnvelope: 0,
      wLcdLayout: 0,
      bPINSupport: 0,
      bMaxCCIDBusySlots: 1,
      exchangeLevel: 'tpdu',
      slotCount: 1,
      voltages: ['5.0V', '3.0V', '1.8V'],
      protocols: [0, 1],
      pinVerify: false,
      pinModify: false,
      lcd: null,
      busySlots: 1,
    });
    expect(d.automatic).toEqual({
      parametersFromAtr: false,
      activation: false,
      voltage: false,
      clock: true,
      baudRate: true,
      parameterNegotiation: false,
      pps: false,
      ifsd: false,
    });
  });

  it('reads the LCD layout as lines and characters per line', () => {
    const d = GEMPC_TWIN.slice();
    d[50] = 0x10;
    d[51] = 0x02;
    expect(parseCcidClassDescriptor(d).lcd).toEqual({ lines: 2, charactersPerLine: 16 });
  });

  it('accepts the pre-standard bDescriptorType 0xFF', () => {
    expect(parseCcidClassDescriptor(withType(GEMPC_TWIN, 0xff)).bDescriptorType).toBe(0xff);
  });

  it('names the offset, the expectation and the value of what is wrong', () => {
    expect(() => parseCcidClassDescriptor(GEMPC_TWIN.subarray(0, 40))).toThrow(
      expect.objectContaining({ name: 'MalformedDataError', offset: 40, expected: '54 bytes', got: '40 bytes' }),
    );
    expect(() => parseCcidClassDescriptor(withType(GEMPC_TWIN, 0x24))).toThrow(
      expect.objectContaining({ offset: 1, got: '0x24' }),
    );
    const short = GEMPC_TWIN.slice();
    short[0] = 0x20;
    expect(() => parseCcidClassDescriptor(short)).toThrow(expect.objectContaining({ offset: 0, expected: 'bLength 0x36' }));
  });
});

describe('the reader corpus (libccid dumps)', () => {
  const LEVEL_TEXT: Record<string, ExchangeLevel> = {
    Character: 'character',
    TPDU: 'tpdu',
    'Short APDU': 'shortApdu',
    'Short and Extended APDU': 'extendedApdu',
  };

  /** The dump's k-th "CCID Class Descriptor" section: exchange level and PIN support as printed. */
  function fromDump(file: string, block: number): { level: ExchangeLevel | undefined; pin: number | undefined } {
    const section = readerDump(file).split(/^\s*CCID Class Descriptor\s*$/m)[block + 1] ?? '';
    const level = /(Character|TPDU|Short and Extended APDU|Short APDU) level exchange/.exec(section)?.[1];
    const pin = /bPINSupport: 0x([0-9A-Fa-f]{2})/.exec(section)?.[1];
    return { level: level ? LEVEL_TEXT[level] : undefined, pin: pin === undefined ? undefined : parseInt(pin, 16) };
  }

  it('parses all 773 descriptors with every field as libccid decoded it, and agrees with each dump', () => {
    const vectors = readerVectors();
    let agree = 0;
    for (const v of vectors) {
      const d = parseCcidClassDescriptor(fromHex(v.ccid_class_descriptor_hex));
      const fields = Object.fromEntries(Object.keys(v.decoded).map((k) => [k, (d as unknown as Record<string, unknown>)[k]]));
      expect(fields, v.file).toEqual(v.decoded);
      const dump = fromDump(v.file, v.block);
      expect(d.exchangeLevel, `${v.file} exchange level`).toBe(dump.level);
      expect(d.bPINSupport, `${v.file} bPINSupport`).toBe(dump.pin);
      expect(d.pinVerify).toBe((dump.pin ?? 0) % 2 === 1);
      agree++;
    }
    expect(agree).toBe(773);
    console.info(`descriptor corpus: ${agree}/${vectors.length} parsed and agree with their dumps`);
  });
});

describe('findCcidInterfaces', () => {
  it('finds a class 0x0B interface whose CCID descriptor follows the interface descriptor', () => {
    const [found, ...rest] = findCcidInterfaces(config(iface(0, 0x0b), GEMPC_TWIN, ...endpoints(1)));
    expect(rest).toEqual([]);
    expect(found).toMatchObject({
      interfaceNumber: 0,
      interfaceClass: 0x0b,
      configurationValue: 1,
      descriptorOffset: 18,
      bulkOut: { address: 0x01, number: 1, maxPacketSize: 64 },
      bulkIn: { address: 0x82, number: 2, maxPacketSize: 64 },
      interruptIn: { address: 0x83, number: 3, maxPacketSize: 8 },
    });
    expect(found?.descriptor.exchangeLevel).toBe('tpdu');
  });

  it('finds the descriptor after the last endpoint, and with type 0xFF', () => {
    const found = findCcidInterfaces(config(iface(0, 0x0b), ...endpoints(1), withType(GEMPC_TWIN, 0xff)));
    expect(found).toHaveLength(1);
    expect(found[0]?.descriptorOffset).toBe(9 + 9 + 21);
    expect(found[0]?.descriptor.bDescriptorType).toBe(0xff);
  });

  it('takes vendor-class interfaces only when they carry a CCID descriptor', () => {
    const bytes = config(
      iface(0, 0xff), ...endpoints(1),
      iface(1, 0xff), GEMPC_TWIN, ...endpoints(4),
      iface(2, 0x03, 1), ep(0x87, 3, 8),
    );
    expect(findCcidInterfaces(bytes).map((i) => i.interfaceNumber)).toEqual([1]);
  });

  it('returns every CCID interface of a device with several', () => {
    const bytes = config(iface(0, 0x0b), GEMPC_TWIN, ...endpoints(1), iface(1, 0x0b), GEMPC_TWIN, ...endpoints(4));
    const found = findCcidInterfaces(bytes);
    expect(found.map((i) => [i.interfaceNumber, i.bulkOut?.number, i.bulkIn?.number])).toEqual([
      [0, 1, 2],
      [1, 4, 5],
    ]);
  });

  it('rejects a smart card interface without a CCID descriptor', () => {
    expect(() => findCcidInterfaces(config(iface(0, 0x0b), ...endpoints(1)))).toThrow(MalformedDataError);
  });

  it('rejects lengths that lie, naming the offset', () => {
    const good = config(iface(0, 0x0b), GEMPC_TWIN, ...endpoints(1));
    const zero = good.slice();
    zero[9] = 0;
    expect(() => findCcidInterfaces(zero)).toThrow(expect.objectContaining({ offset: 9, got: '0' }));
    const total = good.slice();
    total[2] = 0xff;
    expect(() => findCcidInterfaces(total)).toThrow(expect.objectContaining({ offset: 2 }));
    const over = good.slice();
    over[9 + 9 + 54] = 60;
    expect(() => findCcidInterfaces(over)).toThrow(expect.objectContaining({ offset: 72 }));
    expect(() => findCcidInterfaces(good.subarray(0, 5))).toThrow(MalformedDataError);
  });

  it('ends every random or mutated configuration in a value or a typed error (10,000 cases, seed 2)', () => {
    const good = config(iface(0, 0x0b), GEMPC_TWIN, ...endpoints(1));
    const mutated = fc
      .array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })
      .map((edits) => {
        const copy = good.slice();
        for (const [at, value] of edits) copy[at] = value;
        return copy;
      });
    const random = fc.uint8Array({ maxLength: 200 });
    fc.assert(
      fc.property(fc.oneof(mutated, random, mutated.map((b) => b.subarray(0, b.length >> 1))), (bytes) => {
        try {
          const found = findCcidInterfaces(bytes);
          for (const i of found) expect(i.descriptor.bLength).toBe(0x36);
        } catch (error) {
          if (!(error instanceof CcidError)) throw error;
        }
      }),
      { seed: 2, numRuns: 10_000 },
    );
  });
});

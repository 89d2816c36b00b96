/**
 * Fuzzing the byte codecs (issue 6 §2): hostile descriptors, CCID responses, interrupt messages,
 * ATRs, T=1 blocks and response APDUs. Only the project's typed errors (CcidError) may come out.
 * `npm test`: 20,000 cases per target; `npm run fuzz`: FUZZ_RUNS per target (e.g. 1,000,000).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CcidError, findCcidInterfaces, fromHex, parseCcidClassDescriptor } from '../../../src/ccid';
import { parseAtr } from '../../../src/ccid/atr';
import { decodeInterrupt, decodeResponse, HEADER_LENGTH, RESPONSE_CODES, INTERRUPT_CODES } from '../../../src/ccid/messages';
import { decodeBlock, encodeBlock, type T1Edc } from '../../../src/ccid/t1-block';
import { parseResponseApdu } from '../../../src/card';
import { configurationDescriptor } from '../../../src/sim/usb-descriptors';
import { readerVectors, sharedDir } from '../../support/corpus';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
const counts = new Map<string, { cases: number; typed: number }>();
afterAll(() => {
  for (const [target, c] of counts) console.log(`fuzz ${target}: ${c.cases} cases, ${c.typed} typed errors, 0 untyped`);
});

/** Runs `decode` on `RUNS` inputs; anything thrown must be a CcidError naming what was wrong. */
function fuzz<T>(target: string, seed: number, input: fc.Arbitrary<T>, decode: (value: T) => unknown): void {
  const c = { cases: 0, typed: 0 };
  counts.set(target, c);
  fc.assert(
    fc.property(input, (value) => {
      c.cases++;
      try {
        decode(value);
      } catch (error) {
        if (!(error instanceof CcidError)) throw error;
        expect(error.message.length).toBeGreaterThan(0);
        c.typed++;
      }
    }),
    { seed, numRuns: RUNS },
  );
  expect(c.cases).toBe(RUNS);
}

type Mutation = { kind: 'set'; at: number; value: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function mutate(seed: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = seed.slice();
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % (bytes.length + 1);
    if (m.kind === 'set' && at < bytes.length) bytes[at] = m.value;
    else if (m.kind === 'cut') bytes = bytes.slice(0, at);
    else if (m.kind === 'insert') bytes = Uint8Array.from([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
  }
  return bytes;
}

/** Valid inputs with a few mutations (to reach deep paths), and some plain random bytes. */
function hostile(seeds: fc.Arbitrary<Uint8Array>, maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: seeds, weight: 1 },
    { arbitrary: fc.tuple(seeds, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([s, m]) => mutate(s, m)), weight: 4 },
    { arbitrary: fc.uint8Array({ maxLength }), weight: 1 },
  );
}

const byte = fc.integer({ min: 0, max: 255 });
/** Usually the true value (null), sometimes a lie. */
const sometimes = <T>(lie: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: lie, weight: 1 });
const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

describe('fuzzing: only typed errors come out', () => {
  it('configuration descriptors (findCcidInterfaces) and CCID class descriptors', () => {
    const configs = readerVectors()
      .slice(0, 200)
      .map((v) => {
        const ccid = fromHex(v.ccid_class_descriptor_hex);
        return configurationDescriptor({
          vendorId: v.idVendor,
          productId: v.idProduct,
          deviceVersion: 0x0100,
          interfaceClass: v.interface.bInterfaceClass,
          interfaceNumber: v.interface.bInterfaceNumber,
          configurationValue: 1,
          ccidDescriptor: ccid.slice(0, ccid[0] ?? ccid.length),
          ccidDescriptorPlacement: 'afterInterface',
          endpoints: [
            { number: 1, direction: 'out', type: 'bulk', packetSize: 64 },
            { number: 2, direction: 'in', type: 'bulk', packetSize: 64 },
            { number: 3, direction: 'in', type: 'interrupt', packetSize: 8 },
          ],
        });
      });
    fuzz('findCcidInterfaces', 6001, hostile(fc.constantFrom(...configs), 200), findCcidInterfaces);
    const classDescriptors = readerVectors().map((v) => fromHex(v.ccid_class_descriptor_hex));
    fuzz('parseCcidClassDescriptor', 6002, hostile(fc.constantFrom(...classDescriptors), 64), parseCcidClassDescriptor);
  });

  it('CCID responses (decodeResponse)', () => {
    const frame = fc
      .record({
        type: fc.oneof(fc.constantFrom(...Object.values(RESPONSE_CODES)), byte),
        slot: byte,
        seq: byte,
        status: fc.oneof({ arbitrary: fc.constantFrom(0x00, 0x01, 0x02, 0x40, 0x41, 0x42, 0x80), weight: 4 }, { arbitrary: byte, weight: 1 }),
        error: byte,
        b9: fc.oneof(fc.constantFrom(0, 1), byte),
        // Lengths each message type expects (CCID 1.1 §6.2: 0, 5, 7, 8), and any.
        data: fc.oneof(...[0, 5, 7, 8].map((n) => fc.uint8Array({ minLength: n, maxLength: n })), fc.uint8Array({ maxLength: 300 })),
        lie: sometimes(fc.integer({ min: 0, max: 0xffffffff })),
      })
      .map((f) => Uint8Array.from([f.type, ...le32(f.lie ?? f.data.length), f.slot, f.seq, f.status, f.error, f.b9, ...f.data]));
    fuzz('decodeResponse', 6003, hostile(frame, HEADER_LENGTH + 40), decodeResponse);
  });

  it('interrupt messages (decodeInterrupt)', () => {
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 33 }).map((bits) => Uint8Array.from([INTERRUPT_CODES.NotifySlotChange, ...bits])),
      fc.tuple(byte, byte, byte).map(([s, q, c]) => Uint8Array.of(INTERRUPT_CODES.HardwareError, s, q, c)),
    );
    fuzz(
      'decodeInterrupt',
      6004,
      fc.tuple(hostile(message, 40), fc.option(fc.integer({ min: 0, max: 300 }))),
      ([bytes, slots]) => decodeInterrupt(bytes, slots ?? undefined),
    );
  });

  it('ATRs (parseAtr), seeded with the 3803 ATRs of the corpus', () => {
    const atrs = readFileSync(resolve(sharedDir, 'atr-corpus/atrs.txt'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => fromHex(line));
    expect(atrs.length).toBe(3803);
    fuzz('parseAtr', 6005, hostile(fc.constantFrom(...atrs), 40), parseAtr);
  });

  it('T=1 blocks (decodeBlock), with LRC and CRC', () => {
    // ISO/IEC 7816-3 §11.3.1: NAD PCB LEN INF EDC, built by encodeBlock; mutations break them.
    const inf = fc.uint8Array({ maxLength: 254 });
    const blocks = fc.oneof(
      fc.record({ kind: fc.constant('I' as const), nad: fc.constant(0), ns: fc.constantFrom(0 as const, 1 as const), more: fc.boolean(), inf }),
      fc.record({ kind: fc.constant('R' as const), nad: fc.constant(0), nr: fc.constantFrom(0 as const, 1 as const), error: fc.constantFrom('none' as const, 'edc' as const, 'other' as const) }),
      fc
        .record({ type: fc.constantFrom('RESYNCH' as const, 'IFS' as const, 'ABORT' as const, 'WTX' as const), response: fc.boolean(), value: fc.integer({ min: 1, max: 254 }) })
        // §11.3.2.2: only S(IFS) and S(WTX) carry one byte.
        .map(({ type, response, value }) => ({ kind: 'S' as const, nad: 0, type, response, inf: type === 'IFS' || type === 'WTX' ? Uint8Array.of(value) : new Uint8Array(0) })),
    );
    const block = (edc: T1Edc) => blocks.map((b) => encodeBlock(b, edc));
    fuzz('decodeBlock (LRC)', 6006, hostile(block('lrc'), 270), (bytes) => decodeBlock(bytes, 'lrc'));
    fuzz('decodeBlock (CRC)', 6007, hostile(block('crc'), 270), (bytes) => decodeBlock(bytes, 'crc'));
  });

  it('response APDUs (parseResponseApdu)', () => {
    fuzz('parseResponseApdu', 6008, fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const { data, sw } = parseResponseApdu(bytes);
      // Whatever the bytes, a parsed answer is the data followed by SW1 SW2.
      expect(data.length).toBe(bytes.length - 2);
      expect(sw).toBe(((bytes[bytes.length - 2] ?? -1) << 8) | (bytes[bytes.length - 1] ?? -1));
    });
  });
});

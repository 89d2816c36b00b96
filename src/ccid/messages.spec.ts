import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  decodeCommand,
  decodeInterrupt,
  decodeResponse,
  encodeCommand,
  encodeHardwareError,
  encodeNotifySlotChange,
  encodeResponse,
  frameLength,
  type Command,
} from './messages';
import { fromHex, toHex } from './bytes';
import { CcidError, MalformedDataError } from './errors';

/** Every PC_to_RDR message of CCID 1.1 §6.1 with the bytes it must produce (slot 1, seq 0x2A). */
const COMMANDS: readonly [Command, string][] = [
  [{ type: 'SetParameters', protocol: 1, data: fromHex('13 10 00 45 00 FE 00') }, '61 07000000 01 2A 01 00 00 13 10 00 45 00 FE 00'],
  [{ type: 'IccPowerOn', powerSelect: 2 }, '62 00000000 01 2A 02 00 00'],
  [{ type: 'IccPowerOff' }, '63 00000000 01 2A 00 00 00'],
  [{ type: 'GetSlotStatus' }, '65 00000000 01 2A 00 00 00'],
  [{ type: 'Secure', bwi: 0, levelParameter: 0, data: fromHex('00 1E 1E 89 47 04 0C 02 01 09 04 00 00 00 00 0D 00 00 00 00 20 00 01 08') },
    '69 18000000 01 2A 00 00 00 00 1E 1E 89 47 04 0C 02 01 09 04 00 00 00 00 0D 00 00 00 00 20 00 01 08'],
  [{ type: 'T0Apdu', changes: 3, classGetResponse: 0x00, classEnvelope: 0xff }, '6A 00000000 01 2A 03 00 FF'],
  [{ type: 'Escape', data: fromHex('A5 5A') }, '6B 02000000 01 2A 00 00 00 A5 5A'],
  [{ type: 'GetParameters' }, '6C 00000000 01 2A 00 00 00'],
  [{ type: 'ResetParameters' }, '6D 00000000 01 2A 00 00 00'],
  [{ type: 'IccClock', clockCommand: 1 }, '6E 00000000 01 2A 01 00 00'],
  [{ type: 'XfrBlock', bwi: 4, levelParameter: 0x0010, data: new Uint8Array(0) }, '6F 00000000 01 2A 04 10 00'],
  [{ type: 'XfrBlock', bwi: 0, levelParameter: 0x0001, data: fromHex('00 A4 04 00') }, '6F 04000000 01 2A 00 01 00 00 A4 04 00'],
  [{ type: 'Mechanical', function: 2 }, '71 00000000 01 2A 02 00 00'],
  [{ type: 'Abort' }, '72 00000000 01 2A 00 00 00'],
  [{ type: 'SetDataRateAndClockFrequency', clockFrequency: 4000, dataRate: 43010 }, '73 08000000 01 2A 00 00 00 A0 0F 00 00 02 A8 00 00'],
];

describe('PC_to_RDR messages', () => {
  it.each(COMMANDS)('encodes %o byte for byte and decodes it back', (command, hex) => {
    const bytes = encodeCommand(command, 1, 0x2a);
    expect(toHex(bytes, '')).toBe(hex.replace(/ /g, ''));
    expect(decodeCommand(bytes)).toEqual({ slot: 1, seq: 0x2a, command });
  });

  it('covers all fourteen message types', () => {
    expect(new Set(COMMANDS.map(([c]) => c.type)).size).toBe(14);
  });

  it('rejects a command whose dwLength does not match its data', () => {
    const bytes = encodeCommand({ type: 'XfrBlock', bwi: 0, levelParameter: 0, data: fromHex('00 B0 00 00') }, 0, 1);
    expect(() => decodeCommand(bytes.subarray(0, 12))).toThrow(expect.objectContaining({ offset: 1, got: '4' }));
    expect(() => decodeCommand(fromHex('63 01000000 00 01 00 00 00 FF'))).toThrow(MalformedDataError);
    expect(() => decodeCommand(fromHex('99 00000000 00 01 00 00 00'))).toThrow(expect.objectContaining({ offset: 0, got: '0x99' }));
  });
});

describe('RDR_to_PC messages', () => {
  it('decodes a data block with its ATR, status and chain parameter', () => {
    const r = decodeResponse(fromHex('80 0A000000 00 07 00 00 01 3B F0 13 00 00 81 31 FE 45 E8'));
    expect(r).toMatchObject({ type: 'DataBlock', slot: 0, seq: 7, iccStatus: 'active', commandStatus: 'ok', error: 0, chainParameter: 1 });
    expect(r.type === 'DataBlock' && toHex(r.data)).toBe('3B F0 13 00 00 81 31 FE 45 E8');
  });

  it('decodes the slot status of an empty slot with a failed command', () => {
    expect(decodeResponse(fromHex('81 00000000 00 03 42 FE 00'))).toEqual({
      type: 'SlotStatus', slot: 0, seq: 3, iccStatus: 'absent', commandStatus: 'failed', error: 0xfe, clockStatus: 0,
    });
  });

  it('decodes a time extension request with its multiplier', () => {
    expect(decodeResponse(fromHex('80 00000000 00 03 80 05 00'))).toMatchObject({ commandStatus: 'timeExtension', error: 5 });
  });

  it('decodes a time extension in the answer type of SetParameters and GET_DATA_RATES, which carries no payload', () => {
    expect(decodeResponse(fromHex('82 00000000 00 04 80 02 01'))).toMatchObject({ type: 'Parameters', commandStatus: 'timeExtension', error: 2 });
    expect(decodeResponse(fromHex('84 00000000 00 05 80 01 00'))).toMatchObject({ type: 'DataRateAndClockFrequency', commandStatus: 'timeExtension' });
    // A successful answer must still carry its payload.
    expect(() => decodeResponse(fromHex('82 00000000 00 04 00 00 01'))).toThrow(MalformedDataError);
  });

  it('decodes T=1 parameters, an escape answer, and a data rate answer', () => {
    expect(decodeResponse(fromHex('82 07000000 00 01 00 00 01 13 10 00 45 00 FE 00'))).toMatchObject({ type: 'Parameters', protocol: 1 });
    expect(decodeResponse(fromHex('83 01000000 00 01 00 00 00 99'))).toMatchObject({ type: 'Escape' });
    expect(decodeResponse(fromHex('84 08000000 00 01 00 00 00 A0 0F 00 00 02 A8 00 00'))).toMatchObject({
      type: 'DataRateAndClockFrequency', clockFrequency: 4000, dataRate: 43010,
    });
  });

  it('checks dwLength against the bytes received, both ways', () => {
    expect(() => decodeResponse(fromHex('80 05000000 00 01 00 00 00 90'))).toThrow(
      expect.objectContaining({ offset: 1, expected: 'dwLength 1 (bytes received after the header)', got: '5' }),
    );
    expect(() => decodeResponse(fromHex('81 01000000 00 01 00 00 00 90'))).toThrow(expect.objectContaining({ what: 'RDR_to_PC message SlotStatus' }));
    expect(() => decodeResponse(fromHex('82 05000000 00 01 00 00 01 00 00 00 00 00'))).toThrow(expect.objectContaining({ expected: 'dwLength 7' }));
    expect(() => decodeResponse(fromHex('80 00000000 00'))).toThrow(expect.objectContaining({ expected: '10 bytes' }));
  });

  it('rejects reserved status bits and unknown message types', () => {
    expect(() => decodeResponse(fromHex('81 00000000 00 01 C0 00 00'))).toThrow(expect.objectContaining({ offset: 7 }));
    expect(() => decodeResponse(fromHex('81 00000000 00 01 03 00 00'))).toThrow(expect.objectContaining({ offset: 7 }));
    expect(() => decodeResponse(fromHex('62 00000000 00 01 00 00 00'))).toThrow(expect.objectContaining({ offset: 0, got: '0x62' }));
  });

  it('round-trips what the virtual reader encodes', () => {
    const status = { slot: 2, seq: 200, iccStatus: 'inactive', commandStatus: 'failed', error: 0xef } as const;
    const bytes = encodeResponse({ type: 'DataBlock', data: fromHex('64 00'), chainParameter: 0 }, status);
    expect(toHex(bytes)).toBe('80 02 00 00 00 02 C8 41 EF 00 64 00');
    expect(decodeResponse(bytes)).toMatchObject({ ...status, type: 'DataBlock' });
    expect(frameLength(bytes.subarray(0, 5))).toBe(12);
    expect(frameLength(bytes.subarray(0, 4))).toBeNull();
  });

  it('ends every random or mutated response in a message or a typed error (10,000 cases, seed 3)', () => {
    const samples = [
      '80 0A000000 00 07 00 00 00 3B F0 13 00 00 81 31 FE 45 E8',
      '81 00000000 00 03 42 FE 00',
      '82 07000000 00 01 00 00 01 13 10 00 45 00 FE 00',
      '84 08000000 00 01 00 00 00 A0 0F 00 00 02 A8 00 00',
    ].map(fromHex);
    const mutated = fc.tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(40), fc.nat(255)), { maxLength: 4 }), fc.nat(30)).map(
      ([sample, edits, cut]) => {
        const copy = sample.slice();
        for (const [at, value] of edits) if (at < copy.length) copy[at] = value;
        return copy.subarray(0, Math.max(0, copy.length - (cut % 4 === 0 ? cut % 12 : 0)));
      },
    );
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 64 })), (bytes) => {
        try {
          decodeResponse(bytes);
        } catch (error) {
          if (!(error instanceof CcidError)) throw error;
        }
      }),
      { seed: 3, numRuns: 10_000 },
    );
  });
});

describe('interrupt messages', () => {
  it('reads NotifySlotChange for one slot: present and changed', () => {
    expect(decodeInterrupt(fromHex('50 03'), 1)).toEqual({ type: 'NotifySlotChange', slots: [{ slot: 0, present: true, changed: true }] });
    expect(decodeInterrupt(fromHex('50 02'), 1)).toEqual({ type: 'NotifySlotChange', slots: [{ slot: 0, present: false, changed: true }] });
  });

  it('reads the bitmap over any number of slots, four to a byte', () => {
    const slots = Array.from({ length: 9 }, (_, i) => ({ present: i % 3 === 0, changed: i === 4 || i === 8 }));
    const bytes = encodeNotifySlotChange(slots);
    expect(toHex(bytes)).toBe('50 41 12 02');
    const decoded = decodeInterrupt(bytes, 9);
    expect(decoded.type === 'NotifySlotChange' && decoded.slots.map((s) => [s.present, s.changed])).toEqual(slots.map((s) => [s.present, s.changed]));
  });

  it('needs as many bitmap bytes as the reader has slots', () => {
    expect(() => decodeInterrupt(fromHex('50 03'), 5)).toThrow(expect.objectContaining({ expected: '3 bytes for 5 slot(s)' }));
  });

  it('reads HardwareError and rejects anything else', () => {
    expect(decodeInterrupt(encodeHardwareError(0, 9, 1))).toEqual({ type: 'HardwareError', slot: 0, seq: 9, code: 1 });
    expect(() => decodeInterrupt(fromHex('51 00 09'))).toThrow(MalformedDataError);
    expect(() => decodeInterrupt(fromHex('52 00'))).toThrow(expect.objectContaining({ got: '0x52' }));
    expect(() => decodeInterrupt(new Uint8Array(0))).toThrow(MalformedDataError);
  });
});

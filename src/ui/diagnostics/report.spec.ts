import { describe, it, expect } from 'vitest';
import { parseCcidClassDescriptor } from '../../ccid';
import { fromHex } from '../../ccid/bytes';
import { TraceCapacityError, createTrace, descriptorSummary, diagnosticReport, transportLine } from './report';

/** CardMan 3821 (076B:3821), as in src/sim/training.ts. */
const CARDMAN_3821 = parseCcidClassDescriptor(
  fromHex('36210001000703000000c0120000401f000004002a0000e74c06006afe0000000700000000000000b20702000f010000ffff10020301'),
);

describe('the diagnostic trace', () => {
  it('keeps the last lines and counts the dropped ones', () => {
    const trace = createTrace(2);
    ['#1 a', '#2 b', '#3 c'].forEach((l) => trace.push(l));
    expect(trace.lines()).toEqual(['#2 b', '#3 c']);
    expect(trace.dropped).toBe(1);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createTrace(0)).toThrow(TraceCapacityError);
    expect(() => createTrace(1.5)).toThrow('expected an integer ≥ 1, got 1.5');
  });
});

describe('the report', () => {
  it('summarises the CardMan 3821 descriptor', () => {
    const lines = descriptorSummary(CARDMAN_3821);
    expect(lines).toContain('exchange level: shortApdu');
    expect(lines).toContain('PIN pad: verify yes, modify yes');
    expect(lines).toContain('bcdCCID: 0100');
  });

  it('holds the reader, the descriptor and the trace, in that order', () => {
    const trace = createTrace(10);
    trace.push('#1 PC_to_RDR_GetSlotStatus slot 0 seq 0');
    const report = diagnosticReport({
      userAgent: 'UA',
      readerName: 'OMNIKEY 3821',
      vidPid: '076B:3821',
      transport: transportLine({ transport: 'webusb', pcscName: null, pcsc: null }),
      descriptor: CARDMAN_3821,
      trace,
    }).split('\n');
    expect(report.slice(0, 4)).toEqual(['eCard PIN — diagnostic report', 'browser: UA', 'reader: OMNIKEY 3821 (076B:3821)', "transport: WebUSB, this app's CCID driver"]);
    expect(report.at(-2)).toBe('trace (1 lines):');
    expect(report.at(-1)).toBe('#1 PC_to_RDR_GetSlotStatus slot 0 seq 0');
  });

  it('says when PC/SC serves the reader, with its name and the part 10 features it reported', () => {
    const features = new Map([
      [0x06, 0x42330006],
      [0x07, 0x42330007],
    ]);
    expect(transportLine({ transport: 'pcsc', pcscName: 'Gemalto PC Pinpad 00 00', pcsc: { info: { features, vendorId: 0x08e6, productId: 0x3478 } } })).toBe(
      'PC/SC (Web Smart Card API), reader "Gemalto PC Pinpad 00 00", part 10 features: 06→42330006 07→42330007',
    );
    expect(transportLine({ transport: 'pcsc', pcscName: 'X 00 00', pcsc: null })).toContain('not read yet');
  });
});

import { describe, it, expect } from 'vitest';
import { DI_CODES, baudRateDivisor, clockRateFactor } from './atr-tables';

describe('clockRateFactor (ISO 7816-3 Table 7)', () => {
  it('maps every FI code to Fi and f(max), RFU codes to undefined', () => {
    const table = Array.from({ length: 16 }, (_, code) => {
      const r = clockRateFactor(code);
      return r === undefined ? 'RFU' : `${r.fi}@${r.fmaxHz / 1e6}`;
    });
    expect(table).toEqual([
      '372@4', '372@5', '558@6', '744@8', '1116@12', '1488@16', '1860@20', 'RFU',
      'RFU', '512@5', '768@7.5', '1024@10', '1536@15', '2048@20', 'RFU', 'RFU',
    ]);
  });
});

describe('baudRateDivisor (ISO 7816-3 Table 8)', () => {
  it('maps every DI code to Di, RFU codes to undefined', () => {
    const table = Array.from({ length: 16 }, (_, code) => baudRateDivisor(code) ?? 'RFU');
    expect(table).toEqual(['RFU', 1, 2, 4, 8, 16, 32, 64, 12, 20, 'RFU', 'RFU', 'RFU', 'RFU', 'RFU', 'RFU']);
  });

  it('lists the defined Di values slowest first with their codes', () => {
    expect(DI_CODES.map(({ code, di }) => `${di}:${code}`)).toEqual(['1:1', '2:2', '4:3', '8:4', '12:8', '16:5', '20:9', '32:6', '64:7']);
  });
});

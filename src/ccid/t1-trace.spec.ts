import { describe, it, expect } from 'vitest';
import { fromHex, toHex } from './bytes';
import { playTrace, TraceError } from './t1-trace';

describe('playTrace', () => {
  it('answers each "=>" line with its "<=" line, in order', () => {
    const player = playTrace(`
      # a comment line
      => 00 A4 04 00      # SELECT
      <= 90 00
      => {bwi 2} 00 E3 01 02 E0
      <= 6A82
    `);
    expect(toHex(player.answer(fromHex('00 A4 04 00')))).toBe('90 00');
    expect(toHex(player.answer(fromHex('00 E3 01 02 E0'), 'bwi 2'))).toBe('6A 82');
    expect(player.played).toBe(2);
    player.assertDone();
  });

  it('names the line the host diverged from, with both byte strings', () => {
    const player = playTrace('=> 00 A4 04 00\n<= 90 00\n=> 00 B0 00 00 02\n<= 90 00');
    player.answer(fromHex('00 A4 04 00'));
    expect(() => player.answer(fromHex('00 B0 00 00 04'))).toThrow(
      'trace line 3: expected => 00 B0 00 00 02\n                  host sent => 00 B0 00 00 04',
    );
  });

  it('tells a missing or different tag apart', () => {
    const player = playTrace('=> {bwi 5} 00 E3 01 05 E7\n<= 90 00');
    expect(() => player.answer(fromHex('00 E3 01 05 E7'))).toThrow(/expected => \{bwi 5\} 00 E3 01 05 E7/);
  });

  it('raises the error a "<= !name" line names', () => {
    const player = playTrace('=> 00\n<= !mute', { mute: () => new RangeError('no answer') });
    expect(() => player.answer(fromHex('00'))).toThrow(RangeError);
  });

  it('reports exchanges past the end and lines never played', () => {
    const player = playTrace('=> 00\n<= 90 00\n=> 01\n<= 90 00');
    player.answer(fromHex('00'));
    expect(() => player.assertDone()).toThrow('trace line 3: never played (the host stopped after 1 exchanges)');
    player.answer(fromHex('01'));
    expect(() => player.answer(fromHex('02'))).toThrow('trace ended after 2 exchanges, but the host sent => 02');
  });

  it('refuses a malformed script', () => {
    expect(() => playTrace('<= 90 00')).toThrow(TraceError);
    expect(() => playTrace('=> 00\n=> 01')).toThrow(TraceError);
    expect(() => playTrace('=> 00')).toThrow(TraceError);
    expect(() => playTrace('00 A4')).toThrow(TraceError);
    expect(() => playTrace('=> 00\n<= !nobody').answer(fromHex('00'))).toThrow('no error factory named "nobody"');
  });
});

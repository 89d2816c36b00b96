import { describe, expect, it } from 'vitest';
import { vidPid } from './usb-ids';

describe('vidPid', () => {
  it('writes four upper-case hex digits each, zero-padded', () => {
    expect(vidPid(0x076b, 0x3821)).toBe('076B:3821');
    expect(vidPid(0x8e6, 0x4433)).toBe('08E6:4433');
    expect(vidPid(0, 0xffff)).toBe('0000:FFFF');
  });
});

import { describe, it, expect } from 'vitest';
import { fromHex, toHex } from '../ccid/bytes';
import { readCardAtr } from './card-atr';
import { answerPps, type PpsOutcome } from './card-pps';

const ECARD = readCardAtr(fromHex('3B F0 13 00 00 81 31 FE 45 E8'));

const answer = (hex: string, atr = ECARD): string => {
  const outcome = answerPps(fromHex(hex), atr);
  return outcome.answered ? toHex(outcome.agreement.response) : `silent: ${outcome.why}`;
};
const agreed = (outcome: PpsOutcome) => (outcome.answered ? [outcome.agreement.protocol, outcome.agreement.fi, outcome.agreement.di] : null);

describe('answerPps', () => {
  it('echoes a request for T=1 at Fi 372 / Di 4, the eCard TA1', () => {
    expect(answer('FF 11 13 FD')).toBe('FF 11 13 FD');
    expect(agreed(answerPps(fromHex('FF 11 13 FD'), ECARD))).toEqual([1, 372, 4]);
  });
  it('accepts a lower Di than TA1 offers', () => {
    expect(answer('FF 11 12 FC')).toBe('FF 11 12 FC');
    expect(agreed(answerPps(fromHex('FF 11 12 FC'), ECARD))).toEqual([1, 372, 2]);
  });
  it('leaves PPS1 out, keeping Fd / Dd, when Di is above TA1, Fi differs or the code is reserved', () => {
    expect(answer('FF 11 14 FA')).toBe('FF 01 FE'); // Di 8
    expect(answer('FF 11 93 7D')).toBe('FF 01 FE'); // Fi 512
    expect(answer('FF 11 10 FE')).toBe('FF 01 FE'); // Di code 0 is reserved
    expect(agreed(answerPps(fromHex('FF 11 14 FA'), ECARD))).toEqual([1, 372, 1]);
  });
  it('echoes a request without PPS1 and never echoes PPS2', () => {
    expect(answer('FF 01 FE')).toBe('FF 01 FE');
    expect(answer('FF 31 13 00 DD')).toBe('FF 11 13 FD');
  });
  it('stays silent for a T the ATR does not offer, a wrong PCK or a malformed request', () => {
    expect(answer('FF 10 13 FC')).toBe('silent: protocol-not-offered');
    expect(answer('FF 11 13 00')).toBe('silent: bad-pck');
    expect(answer('FF 11 EE')).toBe('silent: malformed');
    expect(answer('FF 91 13 7D')).toBe('silent: malformed'); // PPS0 b8 is reserved
    expect(answer('FF')).toBe('silent: malformed');
  });
  it('stays silent in specific mode (TA2 present)', () => {
    expect(answer('FF 10 13 FC', readCardAtr(fromHex('3B 90 13 10 00')))).toBe('silent: specific-mode');
  });
});

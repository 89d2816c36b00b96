import { describe, expect, it } from 'vitest';
import { nextReaderState, stateIn, type ReaderState } from './reader-state';
import type { SmartCardReaderStateFlagsOut, SmartCardReaderStateOut } from './web-smart-card';

const NONE: SmartCardReaderStateFlagsOut = { ignore: false, changed: true, unavailable: false, unknown: false, empty: false, present: false, exclusive: false, inuse: false, mute: false, unpowered: false };
const ECARD_ATR = Uint8Array.of(0x3b, 0xf0, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x45, 0xe8);

function out(flags: Partial<SmartCardReaderStateFlagsOut>, eventCount: number, atr: Uint8Array = new Uint8Array(0)): SmartCardReaderStateOut {
  return { readerName: 'R 00 00', eventState: { ...NONE, ...flags }, eventCount, answerToReset: atr.slice().buffer };
}

const known = (o: SmartCardReaderStateOut): ReaderState => nextReaderState(null, o).state;

describe('reader state → card events', () => {
  it('first answer: no event, the state to wait on next (flags and count)', () => {
    const first = nextReaderState(null, out({ present: true, inuse: true }, 3, ECARD_ATR));
    expect(first.events).toEqual([]);
    expect(stateIn('R 00 00', first.state)).toEqual({ readerName: 'R 00 00', currentState: expect.objectContaining({ present: true, inuse: true }), currentCount: 3 });
    expect(stateIn('R 00 00', null)).toEqual({ readerName: 'R 00 00', currentState: { unaware: true } });
  });

  it('present → empty is a removal; empty → present an insertion', () => {
    const inserted = known(out({ present: true }, 1, ECARD_ATR));
    expect(nextReaderState(inserted, out({ empty: true }, 2)).events).toEqual([{ kind: 'card', present: false }]);
    const empty = known(out({ empty: true }, 2));
    expect(nextReaderState(empty, out({ present: true }, 3, ECARD_ATR)).events).toEqual([{ kind: 'card', present: true }]);
  });

  it('present → present with the count moved by 2: the card was swapped in between', () => {
    const before = known(out({ present: true }, 1, ECARD_ATR));
    expect(nextReaderState(before, out({ present: true }, 3, ECARD_ATR)).events).toEqual([
      { kind: 'card', present: false },
      { kind: 'card', present: true },
    ]);
    // Only our own connection changed (inuse): nothing to tell.
    expect(nextReaderState(before, out({ present: true, exclusive: true }, 1, ECARD_ATR)).events).toEqual([]);
  });

  it('a stack without counts: another ATR, or a removal the transport reported, is a swap', () => {
    const before = known(out({ present: true }, 0, ECARD_ATR));
    expect(nextReaderState(before, out({ present: true }, 0, Uint8Array.of(0x3b, 0x00))).events).toHaveLength(2);
    expect(nextReaderState(before, out({ present: true }, 0, ECARD_ATR), true).events).toHaveLength(2);
  });

  it('unknown or unavailable: the reader is gone, told once', () => {
    const before = known(out({ present: true }, 1, ECARD_ATR));
    const gone = nextReaderState(before, out({ unknown: true }, 0));
    expect(gone.events).toEqual([{ kind: 'gone' }]);
    expect(nextReaderState(gone.state, out({ unknown: true }, 0)).events).toEqual([]);
  });
});

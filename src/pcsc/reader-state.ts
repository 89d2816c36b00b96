/**
 * From successive getStatusChange() answers about one reader to the events the flows know: card
 * in, card out (a swap is out then in), reader gone. Pure; the slot feeds it.
 *
 * What each answer carries (WICG web-smart-card §SmartCardReaderStateOut): the flags, `eventCount`
 * (insertions + removals so far, the high word of pcsc-lite's dwEventState; 0 on stacks without
 * it) and the ATR. A swap between two answers shows as the count moving by 2 or more, or as
 * another ATR; the flags alone would miss it.
 */
import type { SmartCardReaderStateFlagsIn, SmartCardReaderStateIn, SmartCardReaderStateOut } from './web-smart-card';

export interface ReaderState {
  readonly flags: SmartCardReaderStateFlagsIn;
  readonly count: number;
  readonly present: boolean;
  /** The ATR as hex, '' when the answer had none. */
  readonly atr: string;
  readonly gone: boolean;
}

export type ReaderEvent = { readonly kind: 'card'; readonly present: boolean } | { readonly kind: 'gone' };

const hex = (buffer: ArrayBuffer | undefined): string => (buffer ? Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('') : '');

/** What to pass as currentState / currentCount: nothing known yet → unaware (the answer comes at once). */
export function stateIn(readerName: string, known: ReaderState | null): SmartCardReaderStateIn {
  return known ? { readerName, currentState: known.flags, currentCount: known.count } : { readerName, currentState: { unaware: true } };
}

/**
 * The next known state and the events between `known` and `out`. `removedSeen`: the transport just
 * said the card was removed (SCARD_W_REMOVED_CARD), so a card present now is another insertion.
 */
export function nextReaderState(known: ReaderState | null, out: SmartCardReaderStateOut, removedSeen = false): { state: ReaderState; events: ReaderEvent[] } {
  const f = out.eventState;
  const gone = f.unknown || f.unavailable;
  const present = !gone && f.present && !f.empty;
  const atr = present ? hex(out.answerToReset) : '';
  const state: ReaderState = {
    flags: { unavailable: f.unavailable, empty: f.empty, present: f.present, exclusive: f.exclusive, inuse: f.inuse, mute: f.mute, unpowered: f.unpowered },
    count: out.eventCount,
    present,
    atr,
    gone,
  };
  if (!known) return { state, events: gone ? [{ kind: 'gone' }] : [] };
  if (gone) return { state, events: known.gone ? [] : [{ kind: 'gone' }] };
  const events: ReaderEvent[] = [];
  const moved = (out.eventCount - known.count) & 0xffff;
  if (known.present && !present) events.push({ kind: 'card', present: false });
  else if (!known.present && present) events.push({ kind: 'card', present: true });
  else if (known.present && present && (moved >= 2 || removedSeen || (known.atr !== '' && atr !== '' && known.atr !== atr))) {
    events.push({ kind: 'card', present: false }, { kind: 'card', present: true });
  }
  return { state, events };
}

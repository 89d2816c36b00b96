/** Steps every eCard flow starts with: power the card, select the application, read tries left. */
import { outcomeForStatusWord, parseResponseApdu, selectEcardApdu, triesLeftApdu, type Outcome } from '../card';
import type { FlowContext } from './machine';

export interface CardMemo {
  atr: Uint8Array | null;
  /** The tries-left query's outcome: 'tries-left' (x tries), 'ok' (already verified), 'blocked', ... */
  status: Outcome | null;
}

export const cardMemo = (): CardMemo => ({ atr: null, status: null });

export async function powerStep(ctx: FlowContext, memo: CardMemo): Promise<'select'> {
  memo.atr = await ctx.slot.powerOn();
  return 'select';
}

export async function selectStep(ctx: FlowContext): Promise<'tries' | Outcome> {
  const { sw } = parseResponseApdu(await ctx.slot.transmit(selectEcardApdu()));
  const outcome = outcomeForStatusWord('select', sw);
  return outcome.kind === 'ok' ? 'tries' : outcome;
}

/** VERIFY without data: tries left without spending one (ISO 7816-4 §7.5.6). */
export async function readTriesLeft(ctx: FlowContext, memo: CardMemo): Promise<Outcome> {
  const { sw } = parseResponseApdu(await ctx.slot.transmit(triesLeftApdu()));
  memo.status = outcomeForStatusWord('tries-left', sw);
  return memo.status;
}

/** Usable for a PIN command: active with tries left (or verified already). */
export function isActive(status: Outcome): boolean {
  return status.kind === 'tries-left' || status.kind === 'ok';
}

/** Before the last try the user must agree (the next wrong PIN blocks the card). */
export async function lastTryAgreed(ctx: FlowContext, status: Outcome): Promise<boolean> {
  return status.triesLeft !== 1 || (await ctx.confirmLastTry());
}

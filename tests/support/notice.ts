/** The notice this project implements (../shared/seed/notice-en.md), steps 1–8, on any desk the tests build. */
import { expect } from 'vitest';
import { changePin, checkCard, resetPin, verifyPin, type FlowContext } from '../../src/flows';
import { createCasConsole, type VirtualEcard } from '../../src/sim';

export interface NoticeDesk {
  readonly card: VirtualEcard;
  /** The user's next entries, on the PIN pad or the screen keypad, in order. */
  type(...entries: string[]): void;
  context(options?: Partial<FlowContext>): FlowContext;
}

/** Blocked card → CAS unblock → Reset PIN eCard with 0000 → Schimbă PIN eCard 0000 / 4821 / 4821 → 4821 verifies; no try spent. */
export async function runNotice(d: NoticeDesk): Promise<void> {
  const cas = createCasConsole(d.card);
  // Step 1: the card says it is blocked; the CAS needs the CID.
  expect(await checkCard(d.context())).toMatchObject({ kind: 'blocked', code: -15, casNeeds: 'CID' });
  cas.unblock();
  // Steps 2–3: Reset PIN eCard, reset PIN 0000 typed on the terminal.
  d.type('0000');
  expect((await resetPin(d.context({ authority: cas }))).kind).toBe('ok');
  expect(d.card.hasPin('0000')).toBe(true);
  // Steps 4–8: current 0000, new, confirm.
  d.type('0000', '4821', '4821');
  expect((await changePin(d.context())).kind).toBe('ok');
  expect(d.card.hasPin('4821')).toBe(true);
  d.type('4821');
  expect((await verifyPin(d.context())).kind).toBe('ok');
  expect(d.card.triesConsumed()).toBe(0);
}

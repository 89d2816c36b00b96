/**
 * The training "CAS console": what a county health insurance house (CAS) does to a card through
 * the national system — unblock a blocked card (one PIN reset allowed), invalidate it, make it
 * valid again. It is also the UnblockAuthority the reset flow asks in training mode.
 */
import type { UnblockAuthority, UnblockConfirmation } from '../card';
import type { VirtualEcard } from './virtual-ecard';

export interface CasConsole extends UnblockAuthority {
  /** Unblocks the card: its next RESET RETRY COUNTER succeeds. 'not-blocked' changes nothing. */
  unblock(): 'unblocked' | 'not-blocked';
  /** The card answers every command as an invalid card until revalidate(). */
  invalidate(): void;
  /** The card works again as before, with its holder's PIN. */
  revalidate(): void;
}

export function createCasConsole(card: VirtualEcard): CasConsole {
  const sameCard = (atr: Uint8Array): boolean => atr.length === card.atr.length && atr.every((b, i) => b === card.atr[i]);
  return {
    unblock: () => (card.cas.authoriseReset() ? 'unblocked' : 'not-blocked'),
    invalidate: () => card.cas.setInvalid(true),
    revalidate: () => card.cas.setInvalid(false),
    confirmUnblocked(asked): Promise<UnblockConfirmation> {
      return Promise.resolve(sameCard(asked.atr) && card.cas.resetAuthorised() ? 'confirmed' : 'not-confirmed');
    },
  };
}

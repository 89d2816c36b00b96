/**
 * Who confirms that the CAS unblocked a card, asked before RESET RETRY COUNTER. The official
 * software asks the national card server ([sdk]), which no one outside CNAS can reach: a real
 * integration would implement this; the training mode uses the simulator's CAS console.
 */
export type UnblockConfirmation = 'confirmed' | 'not-confirmed' | 'unavailable';

export interface UnblockAuthority {
  confirmUnblocked(card: { readonly atr: Uint8Array }): Promise<UnblockConfirmation>;
}

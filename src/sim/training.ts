/**
 * The training desk of the page ("Mod instruire"): a virtual OMNIKEY CardMan 3821 (PIN pad,
 * short-APDU level; its descriptor from libccid's corpus) with a virtual eCard and the CAS console
 * that can unblock or invalidate it. The trainer can swap in a new card in any state.
 */
import { createCasConsole, type CasConsole } from './cas-console';
import { createVirtualEcard, type VirtualEcard, type VirtualEcardState } from './virtual-ecard';
import { createVirtualReader, type VirtualReader } from './virtual-reader';

/** CardMan 3821 (076B:3821), CCID class descriptor as dumped by libccid. */
const CARDMAN_3821 =
  '36210001000703000000c0120000401f000004002a0000e74c06006afe0000000700000000000000b20702000f010000ffff10020301';

export interface TrainingDesk {
  readonly reader: VirtualReader;
  /** The card in the reader now (a new one after insertCard). */
  readonly card: VirtualEcard;
  /** The CAS console of the card in the reader now. */
  readonly cas: CasConsole;
  /** Takes the card out and inserts a new eCard in `state` (the reader sees a removal, then an insertion). */
  insertCard(state: VirtualEcardState): void;
}

export function createTrainingDesk(state: VirtualEcardState = 'active'): TrainingDesk {
  const reader = createVirtualReader({
    descriptor: CARDMAN_3821,
    vendorId: 0x076b,
    productId: 0x3821,
    manufacturerName: 'eCard PIN',
    productName: 'Cititor de instruire (OMNIKEY 3821 virtual)',
    serialNumber: 'TRAINING-1',
    pinpad: true,
  });
  let card = createVirtualEcard({ state });
  let cas = createCasConsole(card);
  reader.insert(card);
  return {
    reader,
    get card() {
      return card;
    },
    get cas() {
      return cas;
    },
    insertCard(next) {
      reader.remove();
      card = createVirtualEcard({ state: next });
      cas = createCasConsole(card);
      reader.insert(card);
    },
  };
}

/**
 * The training reader of the page ("Mod instruire"): a virtual OMNIKEY CardMan 3821 (PIN pad,
 * short-APDU level; its descriptor from libccid's corpus) with a card bearing the eCard's ATR.
 */
import { fromHex } from '../ccid/bytes';
import { createVirtualReader, type VirtualReader } from './virtual-reader';
import { createApduCard } from './virtual-card';

/** CardMan 3821 (076B:3821), CCID class descriptor as dumped by libccid. */
const CARDMAN_3821 =
  '36210001000703000000c0120000401f000004002a0000e74c06006afe0000000700000000000000b20702000f010000ffff10020301';

/** ATR of the eCard (pcsc-tools smartcard_list.txt, "Healthcare card Romania"). */
export const ECARD_ATR = fromHex('3B F0 13 00 00 81 31 FE 45 E8');

/** Status word "instruction not supported" (ISO 7816-4 §5.6): this card model knows no command yet. */
const INS_NOT_SUPPORTED = Uint8Array.of(0x6d, 0x00);

export function createTrainingReader(): VirtualReader {
  const reader = createVirtualReader({
    descriptor: CARDMAN_3821,
    vendorId: 0x076b,
    productId: 0x3821,
    manufacturerName: 'eCard PIN',
    productName: 'Cititor de instruire (OMNIKEY 3821 virtual)',
    serialNumber: 'TRAINING-1',
  });
  reader.insert(createApduCard({ atr: ECARD_ATR, apdu: () => INS_NOT_SUPPORTED }));
  return reader;
}

/**
 * How a virtual reader reaches its card, by exchange level: APDU-level readers hand the APDU to the
 * card; TPDU-level readers forward the bytes (see tpdu-bridge.ts).
 */
import type { CcidClassDescriptor } from '../ccid/descriptors';
import type { CardLink } from './ccid-firmware';

/** APDU level (short or extended): the reader's own protocol handling is invisible to the host. */
export const apduLink: CardLink = {
  activate: (card) => card.atr,
  exchange: (card, apdu) => card.transmitApdu(apdu),
};

export function cardLinkFor(descriptor: CcidClassDescriptor): CardLink {
  switch (descriptor.exchangeLevel) {
    case 'shortApdu':
    case 'extendedApdu':
      return apduLink;
    case 'tpdu':
    case 'character':
      return apduLink;
  }
}

/**
 * How a virtual reader reaches its card, by exchange level (CCID 1.1 §3.2): APDU-level readers
 * run the card protocol themselves (T=1 inside the reader when the card speaks only T=1 blocks);
 * TPDU-level readers forward what the host sends, character by character, through the bridge.
 */
import type { CcidClassDescriptor } from '../ccid/descriptors';
import { MalformedDataError } from '../ccid/errors';
import { ReaderError, type CardLink, type LinkAnswer } from './ccid-firmware';
import { readCardAtr } from './card-atr';
import { createReaderT1, ReaderT1LinkError, type ReaderT1 } from './reader-t1';
import { createTpduBridge, type TpduBridge } from './tpdu-bridge';
import type { VirtualCard } from './virtual-card';
import { decodeRateByte } from './wire-time';


/** APDU level: the reader's own protocol handling is invisible to the host. */
function apduLink(descriptor: CcidClassDescriptor): CardLink {
  const masters = new WeakMap<VirtualCard, ReaderT1>();
  const onlyT1 = (card: VirtualCard): boolean => {
    try {
      const atr = readCardAtr(card.atr);
      return atr.protocols.length === 1 && atr.protocols[0] === 1;
    } catch {
      return false;
    }
  };
  return {
    activate(card) {
      card.reset?.();
      if (card.transmitBlock && onlyT1(card)) {
        masters.set(card, createReaderT1(card, { ifsd: Math.min(254, descriptor.dwMaxIFSD || 254) }));
      } else {
        masters.delete(card);
      }
      return { atr: card.atr };
    },
    exchange(card, apdu): LinkAnswer {
      const master = masters.get(card);
      if (!master) return card.transmitApdu(apdu);
      try {
        return master.transmitApdu(apdu);
      } catch (error) {
        if (error instanceof ReaderT1LinkError) return error.reason === 'mute' ? null : { error: ReaderError.parityError };
        throw error;
      }
    },
  };
}

/**
 * TPDU level: bytes go to the card as the host sent them; wire time is counted. Readers that
 * negotiate by themselves (dwFeatures 0x40) or make the PPS from SetParameters (0x80) talk PPS to
 * the card on their own, as the real ones do (CCID 1.1 §5.1).
 */
function tpduLink(descriptor: CcidClassDescriptor): CardLink {
  const bridges = new WeakMap<VirtualCard, TpduBridge>();
  return {
    activate(card) {
      const bridge = createTpduBridge(card, { clockKhz: descriptor.dwDefaultClock });
      bridges.set(card, bridge);
      const atr = bridge.reset();
      if (!descriptor.automatic.parameterNegotiation) return { atr };
      return { atr, ...negotiateAlone(bridge, descriptor, atr) };
    },
    exchange(card, data): LinkAnswer {
      const bridge = bridges.get(card);
      if (!bridge) return null;
      try {
        return bridge.exchange(data);
      } catch (error) {
        // A TPDU no reader could send: the reader reports a procedure byte conflict.
        if (error instanceof MalformedDataError) return { error: ReaderError.procedureByteConflict };
        throw error;
      }
    },
    setParameters(card, protocol, data) {
      const bridge = bridges.get(card);
      if (!bridge) return;
      // CCID 1.1 §6.1.7: bmFindexDindex first, bGuardTime at offset 2 in both structures.
      const fd = data[0] ?? DEFAULT_FD;
      if (descriptor.automatic.pps && fd !== DEFAULT_FD && !readerPps(bridge, protocol, fd)) return;
      const { fi, di } = decodeRateByte('SetParameters bmFindexDindex', fd, 0);
      bridge.setParameters({ protocol: protocol === 1 ? 1 : 0, fi, di, guardTimeN: data[2] ?? 0 });
    },
    wireTimeSeconds(card) {
      return bridges.get(card)?.wireTimeSeconds ?? 0;
    },
  };
}

const DEFAULT_FD = 0x11;

/** The reader's own PPS (ISO 7816-3 §9.2): PPSS, PPS0 with PPS1, PPS1, PCK; true when echoed. */
function readerPps(bridge: TpduBridge, protocol: number, fd: number): boolean {
  const pps0 = 0x10 | (protocol & 0x0f);
  const answer = bridge.exchange(Uint8Array.of(0xff, pps0, fd, 0xff ^ pps0 ^ fd));
  return answer !== null && answer.length === 4 && answer[1] === pps0 && answer[2] === fd;
}

/**
 * dwFeatures 0x40: the reader takes the card's first protocol and TA1's speed when its clock and
 * dwMaxDataRate allow (2 % tolerance, as rates are rounded), and keeps the result for GetParameters.
 */
function negotiateAlone(bridge: TpduBridge, descriptor: CcidClassDescriptor, atrBytes: Uint8Array) {
  const atr = readCardAtr(atrBytes);
  const protocol = atr.specificMode?.protocol ?? atr.protocols[0] ?? 0;
  const ta1 = (atrBytes[1] ?? 0) & 0x10 ? (atrBytes[2] ?? DEFAULT_FD) : DEFAULT_FD;
  const rate = (descriptor.dwDefaultClock * 1000 * atr.di) / atr.fi;
  const fast = ta1 !== DEFAULT_FD && rate <= descriptor.dwMaxDataRate * 1.02 && !atr.specificMode;
  const fd = fast && readerPps(bridge, protocol, ta1) ? ta1 : DEFAULT_FD;
  const { fi, di } = decodeRateByte('TA1', fd, 2);
  bridge.setParameters({ protocol: protocol === 1 ? 1 : 0, fi, di, guardTimeN: atr.guardTimeN });
  const t1 = atr.t1;
  const parameters =
    protocol === 1
      ? Uint8Array.of(fd, 0x10 | (t1.edc === 'crc' ? 1 : 0), atr.guardTimeN, (t1.bwi << 4) | t1.cwi, 0, t1.ifsc, 0)
      : Uint8Array.of(fd, 0x00, atr.guardTimeN, atr.t0.wi, 0);
  return { protocol, parameters };
}

/** Character level: the host would clock single characters; this simulator does not. */
const characterLink: CardLink = {
  activate: (card) => ({ atr: card.atr }),
  exchange: () => ({ error: ReaderError.commandNotSupported }),
};

export function cardLinkFor(descriptor: CcidClassDescriptor): CardLink {
  switch (descriptor.exchangeLevel) {
    case 'shortApdu':
    case 'extendedApdu':
      return apduLink(descriptor);
    case 'tpdu':
      return tpduLink(descriptor);
    case 'character':
      return characterLink;
  }
}



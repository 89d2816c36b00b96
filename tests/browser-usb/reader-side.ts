/**
 * The DeviceSide of a virtual reader held in the test's own process: the PIN pad's keys pressed on
 * the VirtualReader, the card a VirtualEcard with its own ledger, the CAS its console, and the cable
 * whatever exports the reader (in the QEMU guest: the USB/IP export, guest-desk.ts).
 */
import {
  createCasConsole,
  createVirtualEcard,
  type CasConsole,
  type VirtualCard,
  type VirtualEcard,
  type VirtualEcardOptions,
  type VirtualReader,
} from '../../src/sim';
import { DeviceSideError, type DeviceSide, type ReaderInfo } from './device-side';

/** How the reader leaves the computer and comes back. */
export interface Cable {
  unplug(): Promise<void>;
  replug(): Promise<void>;
}

export interface ReaderSide extends DeviceSide {
  /** The card in the slot now (null: none). */
  readonly card: VirtualEcard | null;
  /** The card has counted the command; the host never learns how it ended. */
  unplugAfterNextPinCommand(): void;
}

/**
 * The card as the reader holds it: the eCard itself, with `afterCommand` run as soon as the card
 * has answered a command (before the reader sends the answer on).
 */
function tapped(card: VirtualEcard, afterCommand: () => void): VirtualCard {
  return {
    atr: card.atr,
    ...(card.voltages ? { voltages: card.voltages } : {}),
    transmitApdu: (apdu) => {
      const answer = card.transmitApdu(apdu);
      afterCommand();
      return answer;
    },
    transmitBlock: (block) => {
      const answer = card.transmitBlock(block);
      afterCommand();
      return answer;
    },
    reset: () => card.reset(),
  };
}

export function readerSide(info: ReaderInfo, reader: VirtualReader, cable: Cable): ReaderSide {
  let inSlot: { card: VirtualEcard; cas: CasConsole } | null = null;
  /** The ledger's length when unplugAfterNextPinCommand was asked (null: not asked). */
  let unplugAfter: number | null = null;
  const afterCommand = () => {
    if (unplugAfter === null || !inSlot || inSlot.card.ledger.length <= unplugAfter) return;
    unplugAfter = null;
    void cable.unplug();
  };
  const needCard = () => {
    if (!inSlot) throw new DeviceSideError(`${info.name} has no card`);
    return inSlot;
  };
  const pinpad = () => {
    if (!reader.pinpad) throw new DeviceSideError(`${info.name} has no PIN pad`);
    return reader.pinpad;
  };
  return {
    reader: info,
    get card() {
      return inSlot?.card ?? null;
    },
    insertEcard: async (options: VirtualEcardOptions) => {
      reader.remove();
      const card = createVirtualEcard(options);
      inSlot = { card, cas: createCasConsole(card) };
      reader.insert(tapped(card, afterCommand));
    },
    removeCard: async () => {
      reader.remove();
      inSlot = null;
    },
    press: async (keys) => {
      const pad = pinpad();
      for (const key of keys) pad.press(key);
    },
    pinpadPrompt: async () => pinpad().prompt?.kind ?? null,
    casUnblock: async () => needCard().cas.unblock(),
    ledger: async () => needCard().card.ledger,
    triesConsumed: async () => needCard().card.triesConsumed(),
    hasPin: async (pin) => needCard().card.hasPin(pin),
    unplug: () => cable.unplug(),
    replug: () => cable.replug(),
    unplugAfterNextPinCommand: () => {
      unplugAfter = needCard().card.ledger.length;
    },
  };
}

/**
 * A PC/SC stack in software, standing in for pcsc-lite + libccid in front of our simulator: each
 * reader is a virtual CCID reader (src/sim) driven by this project's CCID driver, as libccid drives
 * a real one. Used by the e2e's in-page navigator.smartCard and by the unit tests of src/pcsc; the
 * QEMU guest (tests/pcsc-bridge/guest-pcsc.ts) replaces it with the real pcsc-lite + libccid.
 *
 * Behaviour copied from what real pcsc-lite 1.9.9 does (seen through python3-pyscard on vpcd,
 * tests/pcsc-bridge/README.md) and from libccid's documented behaviour (SCARDCONTROL.md,
 * ifdhandler.c, commands.c of libccid 1.5 — facts, no code):
 * - reader names "<manufacturer> <product> (<serial>) NN 00"; SCARD_E_NO_READERS_AVAILABLE when none;
 * - getStatusChange: an unknown reader name fails at once with SCARD_E_UNKNOWN_READER; UNAWARE
 *   returns at once; a reader that goes away while waited on comes back UNKNOWN | CHANGED; the
 *   high word counts insertions and removals; the PnP name fires when readers come or go;
 * - connect: SCARD_E_NO_SMARTCARD without a card (except "direct"), SCARD_E_SHARING_VIOLATION
 *   against an exclusive holder or when asking exclusive access of a used reader;
 * - a connection whose card left answers SCARD_W_REMOVED_CARD, one whose card another handle
 *   reset answers SCARD_W_RESET_CARD; after an unplug, calls fail in the driver until pcscd drops
 *   the reader a moment later (then the reader is UNKNOWN, and its handles answer
 *   SCARD_E_INVALID_VALUE, or SCARD_E_READER_UNAVAILABLE for SCardStatus);
 * - SCardControl: CM_IOCTL_GET_FEATURE_REQUEST lists FEATURE_VERIFY_PIN_DIRECT / MODIFY_PIN_DIRECT
 *   as bPINSupport says (codes 0x4233000x), GET_TLV_PROPERTIES gives wIdVendor / wIdProduct; a
 *   PIN_VERIFY / PIN_MODIFY structure too short or with a wrong ulDataLength is refused with
 *   SCARD_E_UNSUPPORTED_FEATURE before anything reaches the reader; a PIN pad cancel / timeout
 *   (bError EF / F0) comes back as SW 6401 / 6400; any other reader failure after the structure
 *   went out as SCARD_E_NOT_TRANSACTED (a card taken out at the prompt too: libccid's "card absent
 *   or mute"); the vendor escape is refused;
 * - card moves during a PIN entry are reported only after it (pcsc-lite holds the reader meanwhile).
 *
 * A PIN structure is decoded strictly and must be one our request model can express (ASCII digits
 * at the block start, fixed length, src/ccid/pinpad.ts); the entry then runs through our driver's
 * PC_to_RDR_Secure on the virtual PIN pad. Anything else is refused as a reader would refuse it.
 */
import {
  CardAbsentError,
  CcidReader,
  DeviceDisconnectedError,
  PinEntryCancelledError,
  PinEntryTimeoutError,
  PinPadRefusalError,
  encodePinModify,
  encodePinVerify,
  pinModifyStructure,
  pinVerifyStructure,
  type CcidSlot,
  type ModifyPinRequest,
  type PinModifyStructure,
  type PinVerifyStructure,
  type VerifyPinRequest,
} from '../../../src/ccid';
import { CM_IOCTL_GET_FEATURE_REQUEST, Feature, Property, encodeFeatures, encodeTlvProperties } from '../../../src/pcsc/features';
import { decodePcscPinModify, decodePcscPinVerify } from '../../../src/pcsc/pin-structures';
import { PNP_NOTIFICATION } from '../../../src/pcsc/web-smart-card';
import type { VirtualReader } from '../../../src/sim';
import type { PcscBackend } from './api';
import { ATTR_ATR_STRING, CARD, PROTOCOL, SCARD, SHARE, STATE, libccidFeatureCode } from './pcsc-codes';

interface SimConnection {
  readonly handle: number;
  readonly context: number;
  readonly reader: SimReader;
  readonly share: number;
  readonly protocol: number;
  readonly cardEpoch: number;
  readonly resetEpoch: number;
}

interface SimReader {
  readonly name: string;
  readonly virtual: VirtualReader;
  readonly ccid: CcidReader;
  readonly slot: CcidSlot;
  present: boolean;
  /** Insertions and removals seen (the high word of the reader state). */
  count: number;
  atr: Uint8Array;
  powered: boolean;
  protocol: number;
  /** Changes with every insertion / removal: connections made before answer W_REMOVED_CARD. */
  cardEpoch: number;
  /** Changes with every reset by a disposition: other connections answer W_RESET_CARD. */
  resetEpoch: number;
  gone: boolean;
  /** The card is being powered after an insertion (the ATR is read); `ready` settles then. */
  settling: boolean;
  ready: Promise<void>;
  readonly connections: Map<number, SimConnection>;
  transactionHolder: number | null;
  /** Card moves (present or not) seen while a PIN entry holds the reader; null when none runs. */
  heldMoves: boolean[] | null;
}

interface Waiter {
  readonly context: number;
  check(): boolean;
  finish(code: number): void;
}

export interface SimPcsc {
  readonly backend: PcscBackend;
  /** Plugs a reader in; resolves with its PC/SC name once the driver has opened it. */
  attach(virtual: VirtualReader): Promise<string>;
  /** Unplugs a reader: pending and later calls on it fail, watchers see it go. */
  detach(name: string): void;
  /** Another program connects to the reader exclusively (pcsc-lite's SCARD_SHARE_EXCLUSIVE); returns the release. */
  holdExclusive(name: string): Promise<() => void>;
  readonly readerNames: readonly string[];
}

const PROGRAM_CONTEXT = -1;
/** How long after a PIN entry's answer pcsc-lite's event thread reports the card moves made during it, ms. */
const MOVES_AFTER_ENTRY_MS = 20;
/** How long after the cable is pulled pcscd reports the card out (its event thread's next look at the slot fails), ms. */
const CARD_OUT_AFTER_UNPLUG_MS = 10;
/** How long after the cable is pulled pcscd drops the reader (udev tells its hotplug thread), ms. */
const READER_DROPPED_AFTER_MS = 30;

export function createSimPcsc(): SimPcsc {
  const readers: SimReader[] = [];
  const connections = new Map<number, SimConnection>();
  let waiters: Waiter[] = [];
  let nextContext = 1;
  let nextHandle = 1;
  let readerIndex = 0;
  /** Changes when readers come or go (the PnP notification). */
  let pnpEpoch = 0;

  const notify = () => {
    const pending = waiters;
    waiters = [];
    for (const waiter of pending) if (!waiter.check()) waiters.push(waiter);
  };
  const find = (name: string) => readers.find((r) => r.name === name && !r.gone);

  const powerCard = async (reader: SimReader): Promise<number> => {
    try {
      reader.atr = await reader.slot.powerOn();
      reader.powered = true;
      reader.protocol = reader.slot.session?.plan?.protocol === 0 ? PROTOCOL.t0 : PROTOCOL.t1;
      return SCARD.S_SUCCESS;
    } catch (error) {
      reader.powered = false;
      if (error instanceof CardAbsentError) return SCARD.E_NO_SMARTCARD;
      if (error instanceof DeviceDisconnectedError) return SCARD.E_READER_UNAVAILABLE;
      return SCARD.W_UNRESPONSIVE_CARD;
    }
  };

  const onCard = (reader: SimReader, present: boolean) => {
    reader.count = (reader.count + 1) & 0xffff;
    reader.cardEpoch++;
    reader.present = present;
    reader.powered = false;
    reader.atr = new Uint8Array(0);
    // pcsc-lite powers a card as it comes in, to read its ATR.
    settle(reader, present);
  };

  const settle = (reader: SimReader, present: boolean) => {
    reader.settling = present;
    reader.ready = present
      ? powerCard(reader).then(() => {
          reader.settling = false;
          notify();
        })
      : Promise.resolve();
    notify();
  };

  /**
   * Resolves the connection of `handle`, or the RESPONSECODE pcsc-lite would give. A handle whose
   * reader pcscd dropped: SCardStatus answers SCARD_E_READER_UNAVAILABLE (the client library finds
   * no such reader), the calls the daemon serves SCARD_E_INVALID_VALUE (seen in the QEMU guest).
   */
  const usable = (handle: number, card = true, vanished: number = SCARD.E_INVALID_VALUE): SimConnection | number => {
    const connection = connections.get(handle);
    if (!connection) return SCARD.E_INVALID_HANDLE;
    const reader = connection.reader;
    if (reader.gone) return vanished;
    if (!card || connection.share === SHARE.direct) return connection;
    if (connection.cardEpoch !== reader.cardEpoch) return SCARD.W_REMOVED_CARD;
    if (connection.resetEpoch !== reader.resetEpoch) return SCARD.W_RESET_CARD;
    return connection;
  };

  /** pcsc-lite makes other handles wait while one holds a transaction on the reader. */
  const afterTransactions = async (connection: SimConnection) => {
    while (connection.reader.transactionHolder !== null && connection.reader.transactionHolder !== connection.handle) {
      await new Promise<void>((resolve) => waiters.push({ context: 0, check: () => (connection.reader.transactionHolder === null ? (resolve(), true) : false), finish: () => resolve() }));
    }
  };

  const eventState = (reader: SimReader | undefined, current: number): number => {
    if (!reader || reader.gone) return STATE.unknown;
    let flags = reader.present ? STATE.present : STATE.empty;
    const held = [...reader.connections.values()];
    if (held.some((c) => c.share === SHARE.exclusive)) flags |= STATE.exclusive;
    else if (held.length > 0) flags |= STATE.inuse;
    if (current & STATE.ignore) return STATE.ignore;
    return (flags | (reader.count << 16)) >>> 0;
  };

  /** A card move reported by the reader's interrupt pipe; a removal and an insertion between two interrupts both count. */
  const cardMoved = (reader: SimReader, present: boolean) => {
    if (present !== reader.present) return onCard(reader, present);
    if (!present) return;
    reader.count = (reader.count + 1) & 0xffff;
    onCard(reader, true);
  };

  /**
   * pcsc-lite holds the reader for the whole SCardControl of a PIN entry: its event thread looks at
   * the card again only once the entry is over, a moment after the answer went out (seen with
   * pcscd 1.9.9 + libccid 1.5.2 in the QEMU guest). Card moves meanwhile are held until then.
   */
  const holdingCardMoves = async (reader: SimReader, entry: () => Promise<{ code: number; data: Uint8Array }>) => {
    reader.heldMoves = [];
    try {
      return await entry();
    } finally {
      const held = reader.heldMoves;
      reader.heldMoves = null;
      setTimeout(() => held.forEach((present) => cardMoved(reader, present)), MOVES_AFTER_ENTRY_MS);
    }
  };

  const RELEVANT = STATE.unknown | STATE.unavailable | STATE.empty | STATE.present | STATE.exclusive | STATE.inuse | STATE.mute;

  const backend: PcscBackend = {
    async establishContext() {
      return { code: SCARD.S_SUCCESS, context: nextContext++ };
    },

    async listReaders() {
      const names = readers.filter((r) => !r.gone).map((r) => r.name);
      return names.length ? { code: SCARD.S_SUCCESS, readers: names } : { code: SCARD.E_NO_READERS_AVAILABLE, readers: [] };
    },

    getStatusChange(context, timeoutMs, states) {
      for (const s of states) if (s.reader !== PNP_NOTIFICATION && !find(s.reader)) return Promise.resolve({ code: SCARD.E_UNKNOWN_READER, states: [] });
      const watched = states.map((s) => readers.find((r) => r.name === s.reader));
      const startEpoch = pnpEpoch;
      const evaluate = () => {
        // A card coming in is reported once pcsc-lite has read its ATR.
        if (watched.some((r) => r?.settling)) return { changed: false, out: [] };
        let changed = false;
        const out = states.map((s, i) => {
          let state: number;
          let differs: boolean;
          if (s.reader === PNP_NOTIFICATION) {
            differs = pnpEpoch !== startEpoch;
            state = (readers.filter((r) => !r.gone).length << 16) >>> 0;
          } else {
            state = eventState(watched[i], s.currentState);
            differs =
              s.currentState === STATE.unaware ||
              ((state & RELEVANT) !== (s.currentState & RELEVANT) && !(s.currentState & STATE.ignore)) ||
              (!(state & STATE.unknown) && state >>> 16 !== s.currentState >>> 16);
          }
          if (differs) changed = true;
          return { reader: s.reader, eventState: differs ? (state | STATE.changed) >>> 0 : state, atr: watched[i]?.present ? watched[i]!.atr.slice() : new Uint8Array(0) };
        });
        return { changed, out };
      };
      // Registered at once, so that a Cancel() right after the call finds it (pcsc-lite would lose
      // one that comes before the call blocks; the app copes with that too: its watch has a timeout).
      return new Promise((resolve) => {
        const first = evaluate();
        if (first.changed) return resolve({ code: SCARD.S_SUCCESS, states: first.out });
        if (timeoutMs === 0 && !watched.some((r) => r?.settling)) return resolve({ code: SCARD.E_TIMEOUT, states: [] });
        let timer: ReturnType<typeof setTimeout> | undefined;
        const waiter: Waiter = {
          context,
          check: () => {
            const now = evaluate();
            if (!now.changed) return false;
            clearTimeout(timer);
            resolve({ code: SCARD.S_SUCCESS, states: now.out });
            return true;
          },
          finish: (code) => {
            clearTimeout(timer);
            resolve({ code, states: [] });
          },
        };
        if (timeoutMs < 0x7fffffff) {
          timer = setTimeout(() => {
            waiters = waiters.filter((w) => w !== waiter);
            resolve({ code: SCARD.E_TIMEOUT, states: [] });
          }, timeoutMs);
        }
        waiters.push(waiter);
      });
    },

    async cancel(context) {
      const cancelled = waiters.filter((w) => w.context === context);
      waiters = waiters.filter((w) => w.context !== context);
      for (const w of cancelled) w.finish(SCARD.E_CANCELLED);
      return SCARD.S_SUCCESS;
    },

    async connect(context, name, share, protocols) {
      const reader = find(name);
      if (!reader) return { code: SCARD.E_UNKNOWN_READER, handle: 0, protocol: 0 };
      await reader.ready;
      const held = [...reader.connections.values()];
      if (held.some((c) => c.share === SHARE.exclusive) || (share === SHARE.exclusive && held.length > 0)) {
        return { code: SCARD.E_SHARING_VIOLATION, handle: 0, protocol: 0 };
      }
      let protocol: number = PROTOCOL.undefined;
      if (share !== SHARE.direct) {
        if (!reader.present) return { code: SCARD.E_NO_SMARTCARD, handle: 0, protocol: 0 };
        if ((protocols & (PROTOCOL.t0 | PROTOCOL.t1)) === 0) return { code: SCARD.E_INVALID_VALUE, handle: 0, protocol: 0 };
        if (!reader.powered) {
          const code = await powerCard(reader);
          if (code !== SCARD.S_SUCCESS) return { code, handle: 0, protocol: 0 };
        }
        if ((protocols & reader.protocol) === 0) return { code: SCARD.E_PROTO_MISMATCH, handle: 0, protocol: 0 };
        protocol = reader.protocol;
      }
      const connection: SimConnection = { handle: nextHandle++, context, reader, share, protocol, cardEpoch: reader.cardEpoch, resetEpoch: reader.resetEpoch };
      connections.set(connection.handle, connection);
      reader.connections.set(connection.handle, connection);
      notify();
      return { code: SCARD.S_SUCCESS, handle: connection.handle, protocol };
    },

    async disconnect(handle, disposition) {
      const connection = connections.get(handle);
      if (!connection) return SCARD.E_INVALID_HANDLE;
      const reader = connection.reader;
      connections.delete(handle);
      reader.connections.delete(handle);
      if (reader.transactionHolder === handle) reader.transactionHolder = null;
      if (disposition !== 0 && connection.share !== SHARE.direct && reader.present && connection.cardEpoch === reader.cardEpoch) {
        reader.powered = false;
        reader.resetEpoch++;
      }
      notify();
      return SCARD.S_SUCCESS;
    },

    async transmit(handle, protocol, data) {
      const connection = usable(handle);
      if (typeof connection === 'number') return { code: connection, data: new Uint8Array(0) };
      await afterTransactions(connection);
      if (protocol !== connection.protocol) return { code: SCARD.E_PROTO_MISMATCH, data: new Uint8Array(0) };
      try {
        return { code: SCARD.S_SUCCESS, data: await connection.reader.slot.transmit(data) };
      } catch (error) {
        const tpduT1 = connection.reader.ccid.descriptor.exchangeLevel === 'tpdu' && connection.protocol === PROTOCOL.t1;
        return { code: readerFailure(error, tpduT1), data: new Uint8Array(0) };
      }
    },

    async control(handle, controlCode, data) {
      const connection = usable(handle, controlCode === CM_IOCTL_GET_FEATURE_REQUEST || controlCode === libccidFeatureCode(Feature.getTlvProperties));
      if (typeof connection === 'number') return { code: connection, data: new Uint8Array(0) };
      await afterTransactions(connection);
      const reader = connection.reader;
      const { pinVerify, pinModify } = reader.ccid.descriptor;
      const answer = (bytes: Uint8Array) => ({ code: SCARD.S_SUCCESS, data: bytes });
      const refuse = (code: number) => ({ code, data: new Uint8Array(0) });
      if (controlCode === CM_IOCTL_GET_FEATURE_REQUEST) {
        const features = new Map<number, number>();
        if (pinVerify) features.set(Feature.verifyPinDirect, libccidFeatureCode(Feature.verifyPinDirect));
        if (pinModify) features.set(Feature.modifyPinDirect, libccidFeatureCode(Feature.modifyPinDirect));
        if (pinVerify || pinModify) features.set(Feature.ifdPinProperties, libccidFeatureCode(Feature.ifdPinProperties));
        features.set(Feature.getTlvProperties, libccidFeatureCode(Feature.getTlvProperties));
        return answer(encodeFeatures(features));
      }
      if (controlCode === libccidFeatureCode(Feature.getTlvProperties)) {
        const device = reader.virtual.device;
        return answer(
          encodeTlvProperties([
            [0x03, 0, 1], // bTimeOut2: libccid's readers do not tell it apart from bTimeOut
            [Property.bMinPINSize, 0, 1],
            [Property.bMaxPINSize, pinVerify ? 15 : 0, 1],
            [Property.wIdVendor, device.vendorId, 2],
            [Property.wIdProduct, device.productId, 2],
          ]),
        );
      }
      if (controlCode === libccidFeatureCode(Feature.verifyPinDirect) && pinVerify) {
        return holdingCardMoves(reader, () => pinControl(data, decodePcscPinVerify, verifyRequestOf, (request) => reader.slot.verifyPinOnPinpad(request)));
      }
      if (controlCode === libccidFeatureCode(Feature.modifyPinDirect) && pinModify) {
        return holdingCardMoves(reader, () => pinControl(data, decodePcscPinModify, modifyRequestOf, (request) => reader.slot.modifyPinOnPinpad(request)));
      }
      return refuse(SCARD.E_UNSUPPORTED_FEATURE);
    },

    async status(handle) {
      const connection = usable(handle, true, SCARD.E_READER_UNAVAILABLE);
      if (typeof connection === 'number') return { code: connection, reader: '', state: 0, protocol: 0, atr: new Uint8Array(0) };
      const reader = connection.reader;
      const state = !reader.present ? CARD.absent : reader.powered ? CARD.present | CARD.powered | CARD.specific : CARD.present;
      return { code: SCARD.S_SUCCESS, reader: reader.name, state, protocol: connection.protocol, atr: reader.atr.slice() };
    },

    async getAttrib(handle, tag) {
      const connection = usable(handle);
      if (typeof connection === 'number') return { code: connection, data: new Uint8Array(0) };
      return tag === ATTR_ATR_STRING ? { code: SCARD.S_SUCCESS, data: connection.reader.atr.slice() } : { code: SCARD.E_UNSUPPORTED_FEATURE, data: new Uint8Array(0) };
    },

    async setAttrib(handle) {
      const connection = usable(handle);
      return typeof connection === 'number' ? connection : SCARD.E_UNSUPPORTED_FEATURE;
    },

    async beginTransaction(handle) {
      const connection = usable(handle);
      if (typeof connection === 'number') return connection;
      await afterTransactions(connection);
      connection.reader.transactionHolder = handle;
      return SCARD.S_SUCCESS;
    },

    async endTransaction(handle, disposition) {
      const connection = usable(handle);
      if (typeof connection === 'number') return connection;
      const reader = connection.reader;
      if (reader.transactionHolder !== handle) return SCARD.E_NOT_TRANSACTED;
      reader.transactionHolder = null;
      if (disposition !== 0) {
        reader.powered = false;
        reader.resetEpoch++;
      }
      notify();
      return SCARD.S_SUCCESS;
    },
  };

  return {
    backend,
    async attach(virtual) {
      const ccid = await CcidReader.open(virtual.device);
      const slot = ccid.slots[0];
      if (!slot) throw new Error('virtual reader without slot 0');
      const device = virtual.device;
      const label = [device.manufacturerName, device.productName].filter(Boolean).join(' ') || 'CCID reader';
      const name = `${label}${device.serialNumber ? ` (${device.serialNumber})` : ''} ${(readerIndex++).toString(16).toUpperCase().padStart(2, '0')} 00`;
      const present = (await slot.status()).card !== 'absent';
      const reader: SimReader = {
        name,
        virtual,
        ccid,
        slot,
        present,
        count: 0,
        atr: new Uint8Array(0),
        powered: false,
        protocol: PROTOCOL.t1,
        cardEpoch: 0,
        resetEpoch: 0,
        gone: false,
        settling: false,
        ready: Promise.resolve(),
        connections: new Map(),
        transactionHolder: null,
        heldMoves: null,
      };
      settle(reader, present);
      ccid.on('slotchange', (change) => {
        if (change.slot !== 0) return;
        if (reader.heldMoves) reader.heldMoves.push(change.present);
        else cardMoved(reader, change.present);
      });
      // pcscd's event thread first finds the slot empty (the driver cannot read it any more) and
      // reports the card removed; its hotplug thread drops the reader when udev tells it, a moment
      // later (seen in the QEMU guest). Calls meanwhile reach the driver and fail there
      // (readerFailure, pinEntryAnswer).
      ccid.on('disconnect', () => {
        setTimeout(() => {
          if (reader.present && !reader.heldMoves && !reader.gone) cardMoved(reader, false);
        }, CARD_OUT_AFTER_UNPLUG_MS);
        setTimeout(() => {
          if (reader.gone) return;
          reader.gone = true;
          pnpEpoch++;
          notify();
        }, READER_DROPPED_AFTER_MS);
      });
      readers.push(reader);
      await reader.ready;
      pnpEpoch++;
      notify();
      return name;
    },
    detach(name) {
      const reader = find(name);
      if (!reader) return;
      reader.virtual.unplug();
      reader.ccid.transport.markDisconnected(new Event('disconnect'));
    },
    async holdExclusive(name) {
      const { code, handle } = await backend.connect(PROGRAM_CONTEXT, name, SHARE.exclusive, PROTOCOL.t0 | PROTOCOL.t1);
      if (code !== SCARD.S_SUCCESS) throw new Error(`the other program could not take ${name}: 0x${code.toString(16)}`);
      return () => void backend.disconnect(handle, 0);
    },
    get readerNames() {
      return readers.filter((r) => !r.gone).map((r) => r.name);
    },
  };
}

/**
 * What pcsc-lite reports when the driver failed a transmit (IFDTransmit: no device → unavailable,
 * else not transacted). libccid's T=1 layer on a TPDU reader reports a vanished device as a plain
 * transmit failure (seen in the QEMU guest: "t1_transceive() fatal", SCARD_E_NOT_TRANSACTED).
 */
function readerFailure(error: unknown, tpduT1: boolean): number {
  if (error instanceof CardAbsentError) return SCARD.W_REMOVED_CARD;
  if (error instanceof DeviceDisconnectedError && !tpduT1) return SCARD.E_READER_UNAVAILABLE;
  return SCARD.E_NOT_TRANSACTED;
}

/**
 * A PIN_VERIFY / PIN_MODIFY structure through SCardControl: refused before it reaches the reader
 * when malformed (libccid: too short, ulDataLength wrong → IFD_NOT_SUPPORTED), not transacted when
 * the reader cannot take it, else one entry on the pad.
 */
async function pinControl<S, R>(
  data: Uint8Array,
  decode: (bytes: Uint8Array) => { readonly structure: S },
  requestOf: (structure: S) => R | null,
  entry: (request: R) => Promise<Uint8Array>,
): Promise<{ code: number; data: Uint8Array }> {
  let structure: S;
  try {
    structure = decode(data).structure;
  } catch {
    return { code: SCARD.E_UNSUPPORTED_FEATURE, data: new Uint8Array(0) };
  }
  const request = requestOf(structure);
  if (!request) return { code: SCARD.E_NOT_TRANSACTED, data: new Uint8Array(0) };
  return pinEntryAnswer(() => entry(request));
}

/**
 * libccid's answer to a PIN entry: the card's response, the reader's own 64xx, or bError EF / F0
 * turned into SW 6401 / 6400; anything else after the structure went out: not transacted.
 */
async function pinEntryAnswer(entry: () => Promise<Uint8Array>): Promise<{ code: number; data: Uint8Array }> {
  try {
    return { code: SCARD.S_SUCCESS, data: await entry() };
  } catch (error) {
    if (error instanceof PinEntryCancelledError) return { code: SCARD.S_SUCCESS, data: Uint8Array.of(0x64, 0x01) };
    if (error instanceof PinEntryTimeoutError) return { code: SCARD.S_SUCCESS, data: Uint8Array.of(0x64, 0x00) };
    if (error instanceof PinPadRefusalError) return { code: SCARD.S_SUCCESS, data: Uint8Array.of(error.statusWord >> 8, error.statusWord & 0xff) };
    if (error instanceof DeviceDisconnectedError) return { code: SCARD.E_READER_UNAVAILABLE, data: new Uint8Array(0) };
    return { code: SCARD.E_NOT_TRANSACTED, data: new Uint8Array(0) };
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The request our model would turn into exactly this structure, or null when there is none. */
function verifyRequestOf(s: PinVerifyStructure): VerifyPinRequest | null {
  const request: VerifyPinRequest = {
    apduHeader: s.apdu.slice(0, 4),
    pinLength: { min: s.minDigits, max: s.maxDigits },
    timeoutSeconds: s.timeoutSeconds,
    ...(s.numberMessage === 1 ? { messageIndex: s.msgIndex } : {}),
  };
  try {
    return sameBytes(encodePinVerify(pinVerifyStructure(request)), encodePinVerify(s)) ? request : null;
  } catch {
    return null;
  }
}

function modifyRequestOf(s: PinModifyStructure): ModifyPinRequest | null {
  const confirm = s.confirmPin === 0x03 ? 'current-new-confirm' : s.confirmPin === 0x01 ? 'new-confirm' : null;
  if (!confirm) return null;
  const request: ModifyPinRequest = {
    apduHeader: s.apdu.slice(0, 4),
    confirm,
    pinLength: { min: s.minDigits, max: s.maxDigits },
    messageIndexes: s.msgIndexes.slice(0, confirm === 'current-new-confirm' ? 3 : 2),
    timeoutSeconds: s.timeoutSeconds,
  };
  try {
    return sameBytes(encodePinModify(pinModifyStructure(request)), encodePinModify(s)) ? request : null;
  } catch {
    return null;
  }
}

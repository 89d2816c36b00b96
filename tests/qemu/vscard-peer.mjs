// VSCard peer: the "client" side of libcacard's virtual smart card protocol, which QEMU's
// `-device ccid-card-passthru,chardev=…` speaks over a socket. We listen, QEMU connects.
// Message = 12-byte big-endian header (type, reader_id, length) + payload (libcacard
// vscard_common.h, VSCARD_VERSION = MAKE_VERSION(0,0,2) = 2, magic = the 4 bytes "VSCD").
// Flow (QEMU hw/usb/ccid-card-passthru.c): QEMU sends Init on start → we answer Init, ReaderAdd,
// ATR; QEMU acknowledges ReaderAdd/ATR/CardRemove with Error(code 0); each command APDU of the
// guest arrives as an APDU message and QEMU waits for one APDU message with the response.
import { createServer } from 'node:net';
import { EventEmitter } from 'node:events';

export const VSC = Object.freeze({
  Init: 1, Error: 2, ReaderAdd: 3, ReaderRemove: 4, ATR: 5, CardRemove: 6, APDU: 7,
});
export const VSC_ERROR = Object.freeze({ SUCCESS: 0, GENERAL_ERROR: 1, CANNOT_ADD_MORE_READERS: 2 });
export const VSCARD_VERSION = 2;
export const VSCARD_MAGIC = Uint8Array.of(0x56, 0x53, 0x43, 0x44); // "VSCD"
export const UNDEFINED_READER_ID = 0xffffffff;
const READER_ID = 0; // VSCARD_MINIMAL_READER_ID: QEMU's only reader
const HEADER_LENGTH = 12;
const MAX_PAYLOAD = 64 * 1024; // QEMU's VSCARD_IN_SIZE: it drops the connection beyond this
const MAX_ATR = 40; // QEMU's MAX_ATR_SIZE: it answers longer ATRs with Error

/** A malformed VSCard stream, named like the project's MalformedDataError (what, offset, expected, got). */
export class VscardProtocolError extends Error {
  /** @param {string} what @param {number} offset @param {string} expected @param {string} got */
  constructor(what, offset, expected, got) {
    super(`VSCard ${what} at offset ${offset}: expected ${expected}, got ${got}`);
    this.name = 'VscardProtocolError';
    this.what = what;
    this.offset = offset;
    this.expected = expected;
    this.got = got;
  }
}

/**
 * @typedef {{ atr: Uint8Array, transmitApdu(apdu: Uint8Array): Uint8Array | Promise<Uint8Array> }} VscardCard
 * @typedef {{ type: number, readerId: number, payload: Uint8Array }} VscardMessage
 * @typedef {{ command: Uint8Array, response: Uint8Array }} ApduExchange
 */

/** @param {number} type @param {number} readerId @param {Uint8Array} [payload] @returns {Uint8Array} */
export function encodeMessage(type, readerId, payload = new Uint8Array(0)) {
  if (payload.length > MAX_PAYLOAD) {
    throw new VscardProtocolError('payload length', 8, `<= ${MAX_PAYLOAD}`, String(payload.length));
  }
  const bytes = new Uint8Array(HEADER_LENGTH + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type);
  view.setUint32(4, readerId);
  view.setUint32(8, payload.length);
  bytes.set(payload, HEADER_LENGTH);
  return bytes;
}

/** @param {number} capabilities @returns {Uint8Array} the 12-byte VSCMsgInit payload */
export function encodeInit(capabilities = 0) {
  const bytes = new Uint8Array(12);
  bytes.set(VSCARD_MAGIC, 0);
  new DataView(bytes.buffer).setUint32(4, VSCARD_VERSION);
  new DataView(bytes.buffer).setUint32(8, capabilities);
  return bytes;
}

/** @param {Uint8Array} payload @returns {{ version: number, capabilities: number[] }} */
export function decodeInit(payload) {
  if (payload.length < 8 || payload.length % 4 !== 0) {
    throw new VscardProtocolError('Init length', 0, 'a multiple of 4, >= 8', String(payload.length));
  }
  for (let i = 0; i < 4; i++) {
    if (payload[i] !== VSCARD_MAGIC[i]) {
      throw new VscardProtocolError('Init magic', i, 'VSCD', hex(payload.subarray(0, 4)));
    }
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const capabilities = [];
  for (let offset = 8; offset < payload.length; offset += 4) capabilities.push(view.getUint32(offset));
  return { version: view.getUint32(4), capabilities };
}

/** Splits a byte stream into VSCard messages; keeps a partial message for the next chunk. */
export class MessageReader {
  #buffer = new Uint8Array(0);
  #consumed = 0; // stream offset of #buffer[0], for error messages

  /** @param {Uint8Array} chunk @returns {VscardMessage[]} */
  push(chunk) {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer, 0);
    joined.set(chunk, this.#buffer.length);
    const messages = [];
    let at = 0;
    while (joined.length - at >= HEADER_LENGTH) {
      const view = new DataView(joined.buffer, at, HEADER_LENGTH);
      const type = view.getUint32(0);
      const length = view.getUint32(8);
      if (type < VSC.Init || type > VSC.APDU) {
        throw new VscardProtocolError('message type', this.#consumed + at, '1..7', String(type));
      }
      if (length > MAX_PAYLOAD) {
        throw new VscardProtocolError('message length', this.#consumed + at + 8, `<= ${MAX_PAYLOAD}`, String(length));
      }
      if (joined.length - at - HEADER_LENGTH < length) break;
      const start = at + HEADER_LENGTH;
      messages.push({ type, readerId: view.getUint32(4), payload: joined.slice(start, start + length) });
      at = start + length;
    }
    this.#buffer = joined.slice(at);
    this.#consumed += at;
    return messages;
  }
}

/** @param {Uint8Array} bytes */
export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Starts the peer on 127.0.0.1 (ephemeral port). Events: 'message' (VscardMessage, from QEMU),
 * 'ack' (error code QEMU sent), 'apdu' (ApduExchange), 'error' (Error; the connection is dropped).
 * @param {{ card?: VscardCard | null }} [options]
 */
export async function startVscardPeer({ card = null } = {}) {
  const events = new EventEmitter();
  /** @type {ApduExchange[]} */
  const apduLog = [];
  /** @type {import('node:net').Socket | null} */
  let socket = null;
  let initialised = false;
  let currentCard = card;
  /** @type {Promise<void>} */
  let queue = Promise.resolve(); // APDUs are answered one at a time, in order

  /** @param {number} type @param {number} readerId @param {Uint8Array} [payload] */
  const send = (type, readerId, payload) => {
    socket?.write(encodeMessage(type, readerId, payload));
  };
  /** @param {VscardCard} inserted */
  const sendAtr = (inserted) => {
    if (inserted.atr.length < 2 || inserted.atr.length > MAX_ATR) {
      throw new VscardProtocolError('ATR length', 0, `2..${MAX_ATR}`, String(inserted.atr.length));
    }
    send(VSC.ATR, READER_ID, inserted.atr);
  };

  /** @param {Uint8Array} command */
  const answerApdu = async (command) => {
    if (!currentCard) {
      send(VSC.Error, READER_ID, u32(VSC_ERROR.GENERAL_ERROR)); // QEMU fails the XfrBlock
      return;
    }
    const response = await currentCard.transmitApdu(command);
    const exchange = { command, response };
    apduLog.push(exchange);
    events.emit('apdu', exchange);
    send(VSC.APDU, READER_ID, response);
  };

  /** @param {VscardMessage} message */
  const handle = (message) => {
    events.emit('message', message);
    switch (message.type) {
      case VSC.Init:
        decodeInit(message.payload);
        if (initialised) return; // QEMU's reply to our own Init
        initialised = true;
        send(VSC.Init, UNDEFINED_READER_ID, encodeInit());
        send(VSC.ReaderAdd, UNDEFINED_READER_ID, new TextEncoder().encode('ecard-pin VSCard peer'));
        if (currentCard) sendAtr(currentCard);
        return;
      case VSC.Error:
        if (message.payload.length !== 4) {
          throw new VscardProtocolError('Error length', 8, '4', String(message.payload.length));
        }
        events.emit('ack', new DataView(message.payload.buffer).getUint32(0));
        return;
      case VSC.APDU:
        queue = queue.then(() => answerApdu(message.payload)).catch((error) => fail(error));
        return;
      default:
        throw new VscardProtocolError('message type from QEMU', 0, 'Init, Error or APDU', String(message.type));
    }
  };

  /** @param {unknown} error */
  const fail = (error) => {
    events.emit('error', error);
    socket?.destroy();
  };

  const server = createServer((connection) => {
    if (socket) {
      connection.destroy(); // one QEMU at a time
      return;
    }
    socket = connection;
    const reader = new MessageReader();
    connection.on('data', (chunk) => {
      try {
        for (const message of reader.push(new Uint8Array(chunk))) handle(message);
      } catch (error) {
        fail(error);
      }
    });
    connection.on('error', () => {}); // QEMU exiting resets the socket; 'close' follows
    connection.on('close', () => {
      socket = null; // a later QEMU (e.g. the TCG retry after KVM failed) starts over with Init
      initialised = false;
      events.emit('close');
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('VSCard peer has no TCP port');

  return {
    port: address.port,
    events,
    apduLog,
    /** @param {VscardCard} inserted */
    insertCard(inserted) {
      currentCard = inserted;
      if (initialised) sendAtr(inserted);
    },
    /** @returns {VscardCard | null} the card taken out, if any */
    removeCard() {
      const removed = currentCard;
      currentCard = null;
      if (initialised) send(VSC.CardRemove, READER_ID);
      return removed;
    },
    /** @returns {Promise<void>} */
    close() {
      socket?.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** @param {number} value */
function u32(value) {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

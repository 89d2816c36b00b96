// Host-side tests of the harness codecs and the VSCard peer (no QEMU needed):
//   node --test tests/qemu/
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import {
  MessageReader, VSC, VscardProtocolError, decodeInit, encodeInit, encodeMessage, startVscardPeer,
} from './vscard-peer.mjs';
import { PcapFormatError, bulkTransfersPerCommand, countBulkTransfers, parseUsbmonPcap } from './usbmon-pcap.mjs';
import { createSmokeCard } from './smoke-card.mjs';

const bytes = (/** @type {string} */ hexText) => Uint8Array.from(hexText.match(/../g) ?? [], (h) => parseInt(h, 16));
const hexOf = (/** @type {Uint8Array} */ data) => Buffer.from(data).toString('hex');

describe('VSCard codec', () => {
  it('encodes a message as a 12-byte big-endian header and the payload', () => {
    assert.equal(hexOf(encodeMessage(VSC.APDU, 0, bytes('9000'))), '00000007' + '00000000' + '00000002' + '9000');
  });

  it('encodes Init with magic VSCD, version 2 and one capability word', () => {
    assert.equal(hexOf(encodeInit()), '56534344' + '00000002' + '00000000');
  });

  it('decodes Init and rejects a wrong magic at its offset', () => {
    assert.deepEqual(decodeInit(encodeInit(5)), { version: 2, capabilities: [5] });
    assert.throws(() => decodeInit(bytes('565343450000000200000000')),
      (error) => error instanceof VscardProtocolError && error.what === 'Init magic' && error.offset === 3);
  });

  it('reassembles messages split at every byte boundary', () => {
    const stream = new Uint8Array([...encodeMessage(VSC.Init, 0xffffffff, encodeInit()), ...encodeMessage(VSC.APDU, 0, bytes('00a40400'))]);
    const reader = new MessageReader();
    const messages = [...stream].flatMap((byte) => reader.push(Uint8Array.of(byte)));
    assert.deepEqual(messages.map((m) => [m.type, m.readerId, hexOf(m.payload)]),
      [[VSC.Init, 0xffffffff, hexOf(encodeInit())], [VSC.APDU, 0, '00a40400']]);
  });

  it('rejects an unknown type and an oversized length with their stream offsets', () => {
    const reader = new MessageReader();
    reader.push(encodeMessage(VSC.Error, 0, bytes('00000000')));
    assert.throws(() => reader.push(bytes('000000090000000000000000')),
      (error) => error instanceof VscardProtocolError && error.what === 'message type' && error.offset === 16 && error.got === '9');
    assert.throws(() => new MessageReader().push(bytes('000000070000000000010001')),
      (error) => error instanceof VscardProtocolError && error.what === 'message length' && error.offset === 8);
  });
});

describe('VSCard peer against a fake QEMU', () => {
  /** Connects like QEMU does and collects what the peer sends. */
  async function fakeQemu(/** @type {number} */ port) {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const reader = new MessageReader();
    /** @type {import('./vscard-peer.mjs').VscardMessage[]} */
    const received = [];
    /** @type {(() => void) | null} */
    let wake = null;
    socket.on('data', (chunk) => { received.push(...reader.push(new Uint8Array(chunk))); wake?.(); });
    return {
      send: (/** @type {number} */ type, /** @type {Uint8Array} */ payload) => socket.write(encodeMessage(type, 0, payload)),
      /** @param {number} count */
      async next(count) {
        while (received.length < count) await new Promise((resolve) => { wake = () => resolve(undefined); });
        return received.splice(0, count);
      },
      close: () => socket.destroy(),
    };
  }

  it('answers Init with Init, ReaderAdd and the ATR, then relays APDUs to the card', async () => {
    const peer = await startVscardPeer({ card: createSmokeCard() });
    const qemu = await fakeQemu(peer.port);
    qemu.send(VSC.Init, encodeInit());
    const [init, readerAdd, atr] = await qemu.next(3);
    assert.deepEqual([init?.type, hexOf(init?.payload ?? new Uint8Array())], [VSC.Init, '565343440000000200000000']);
    assert.equal(readerAdd?.type, VSC.ReaderAdd);
    assert.deepEqual([atr?.type, atr?.readerId, hexOf(atr?.payload ?? new Uint8Array())], [VSC.ATR, 0, '3b021450']);

    qemu.send(VSC.Init, encodeInit()); // QEMU's reply to our Init: no second handshake
    qemu.send(VSC.APDU, bytes('00a4040002a000'));
    const [response] = await qemu.next(1);
    assert.deepEqual([response?.type, hexOf(response?.payload ?? new Uint8Array())], [VSC.APDU, '610a']);
    assert.deepEqual(peer.apduLog.map((e) => [hexOf(e.command), hexOf(e.response)]), [['00a4040002a000', '610a']]);

    assert.equal(hexOf(peer.removeCard()?.atr ?? new Uint8Array()), '3b021450');
    const [removal] = await qemu.next(1);
    assert.equal(removal?.type, VSC.CardRemove);
    qemu.send(VSC.APDU, bytes('00c000000a'));
    const [refusal] = await qemu.next(1);
    assert.deepEqual([refusal?.type, hexOf(refusal?.payload ?? new Uint8Array())], [VSC.Error, '00000001']);

    peer.insertCard(createSmokeCard());
    const [reinserted] = await qemu.next(1);
    assert.deepEqual([reinserted?.type, hexOf(reinserted?.payload ?? new Uint8Array())], [VSC.ATR, '3b021450']);
    qemu.close();
    await peer.close();
  });

  it('reports a malformed stream as a VscardProtocolError event', async () => {
    const peer = await startVscardPeer();
    const failed = new Promise((resolve) => peer.events.once('error', resolve));
    const qemu = await fakeQemu(peer.port);
    qemu.send(VSC.Init, bytes('5853434400000002'));
    const error = await failed;
    assert.ok(error instanceof VscardProtocolError && error.what === 'Init magic' && error.offset === 0);
    qemu.close();
    await peer.close();
  });
});

describe('usbmon pcap reader', () => {
  /** One record as QEMU hw/usb/pcap.c writes it (little-endian host). */
  function record(/** @type {{ event: string, xfer: number, ep: number, status?: number, data?: Uint8Array }} */ r) {
    const data = r.data ?? new Uint8Array(0);
    const out = new Uint8Array(16 + 64 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(8, 64 + data.length, true);
    view.setUint32(12, 64 + data.length, true);
    out[16 + 8] = r.event.charCodeAt(0);
    out[16 + 9] = r.xfer;
    out[16 + 10] = r.ep;
    out[16 + 11] = 2;
    view.setInt32(16 + 28, r.status ?? 0, true);
    view.setUint32(16 + 32, data.length, true);
    out.set(data, 16 + 64);
    return out;
  }
  const fileHeader = bytes('d4c3b2a1020004000000000000000000' + '40100000' + 'dc000000');
  const capture = new Uint8Array([
    ...fileHeader,
    ...record({ event: 'S', xfer: 3, ep: 0x03, data: bytes('62000000000000000000') }),
    ...record({ event: 'C', xfer: 3, ep: 0x03 }),
    ...record({ event: 'S', xfer: 3, ep: 0x82 }),
    ...record({ event: 'C', xfer: 3, ep: 0x82, data: bytes('80040000000000000000') }),
    ...record({ event: 'C', xfer: 1, ep: 0x81, data: bytes('5003') }),
    ...record({ event: 'C', xfer: 3, ep: 0x82, status: -121 }),
  ]);

  it('reads every record with its endpoint, event and data', () => {
    const records = parseUsbmonPcap(capture);
    assert.deepEqual(records.map((r) => [r.event, r.xferType, r.endpoint, r.status, hexOf(r.data)]), [
      ['S', 3, 0x03, 0, '62000000000000000000'], ['C', 3, 0x03, 0, ''], ['S', 3, 0x82, 0, ''],
      ['C', 3, 0x82, 0, '80040000000000000000'], ['C', 1, 0x81, 0, '5003'], ['C', 3, 0x82, -121, ''],
    ]);
  });

  it('counts completed bulk transfers per direction, failures apart', () => {
    assert.deepEqual(countBulkTransfers(parseUsbmonPcap(capture)), { out: 1, in: 1, failed: 1 });
  });

  it('groups completed bulk transfers under the CCID command that opened them', () => {
    assert.deepEqual(bulkTransfersPerCommand(parseUsbmonPcap(capture)), [{ messageType: 0x62, transfers: 3 }]);
  });

  it('rejects another link type and a truncated record at their offsets', () => {
    const ethernet = Uint8Array.from(fileHeader);
    ethernet[20] = 1;
    assert.throws(() => parseUsbmonPcap(ethernet),
      (error) => error instanceof PcapFormatError && error.what === 'link type' && error.got === '1');
    assert.throws(() => parseUsbmonPcap(capture.subarray(0, capture.length - 1)),
      (error) => error instanceof PcapFormatError && error.what === 'record length' && error.offset === capture.length - 80 + 8);
  });
});

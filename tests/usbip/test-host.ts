/**
 * The host side of USB/IP for the specs: what `usbip list`/`usbip attach` and vhci-hcd put on the
 * wire, played over a real TCP connection to the server, so the server is tested without a kernel.
 */
import { connect, type Socket } from 'node:net';
import {
  decodeDevlistReply,
  decodeImportReply,
  decodeReply,
  encodeCommand,
  encodeImportRequest,
  encodeOpCommon,
  OpCode,
  type DeviceReply,
  type ExportedDeviceInfo,
  type RetSubmit,
} from './protocol';

/** Opens a connection, sends `request`, resolves with every byte until the server closes or `enough` holds. */
function exchange(port: number, request: Uint8Array, enough: (bytes: Uint8Array) => boolean): Promise<{ socket: Socket; bytes: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let bytes = new Uint8Array(0);
    const finish = (): void => {
      socket.off('data', onData);
      resolve({ socket, bytes });
    };
    const onData = (chunk: Uint8Array): void => {
      const next = new Uint8Array(bytes.length + chunk.length);
      next.set(bytes);
      next.set(chunk, bytes.length);
      bytes = next;
      if (enough(bytes)) finish();
    };
    socket.on('data', onData);
    socket.once('end', finish);
    socket.once('error', reject);
    socket.write(request);
  });
}

export async function listDevices(port: number): Promise<ExportedDeviceInfo[]> {
  const { bytes, socket } = await exchange(port, encodeOpCommon(OpCode.reqDevlist, 0), () => false);
  socket.destroy();
  return decodeDevlistReply(bytes);
}

export interface TestHostConnection {
  readonly device: ExportedDeviceInfo;
  /** Submits a URB; resolves with its RET_SUBMIT (never, if it gets unlinked). */
  submit(urb: { direction: 'in' | 'out'; endpoint: number; length: number; setup?: Uint8Array; data?: Uint8Array }): { seqnum: number; done: Promise<RetSubmit> };
  /** CMD_UNLINK of a submitted URB; resolves with RET_UNLINK's status. */
  unlink(seqnum: number): Promise<number>;
  /** Every reply received, in order. */
  readonly replies: DeviceReply[];
  /** Resolves when the server closes the connection (the device vanished). */
  readonly closed: Promise<void>;
  close(): void;
}

/** OP_REQ_IMPORT, then the URB phase on the same connection; null when the server refuses. */
export async function importDevice(port: number, busid: string): Promise<TestHostConnection | null> {
  const IMPORT_REPLY = 8 + 312;
  const { socket, bytes } = await exchange(port, encodeImportRequest(busid), (b) => b.length >= IMPORT_REPLY || (b.length >= 8 && b[7] !== 0));
  const device = decodeImportReply(bytes);
  if (!device) {
    socket.destroy();
    return null;
  }
  const devid = (device.busnum << 16) | device.devnum;
  const inUrbs = new Set<number>();
  const waiting = new Map<number, (reply: DeviceReply) => void>();
  const replies: DeviceReply[] = [];
  let buffer: Uint8Array = bytes.subarray(IMPORT_REPLY);
  let seqnum = 0;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  const drain = (): void => {
    for (;;) {
      const decoded = decodeReply(buffer, (s) => inUrbs.has(s));
      if (!decoded) return;
      buffer = buffer.subarray(decoded.length);
      replies.push(decoded.reply);
      waiting.get(decoded.reply.seqnum)?.(decoded.reply);
      waiting.delete(decoded.reply.seqnum);
    }
  };
  socket.on('data', (chunk: Uint8Array) => {
    const next = new Uint8Array(buffer.length + chunk.length);
    next.set(buffer);
    next.set(chunk, buffer.length);
    buffer = next;
    drain();
  });
  const awaitReply = (s: number): Promise<DeviceReply> => new Promise((resolve) => waiting.set(s, resolve));
  return {
    device,
    replies,
    closed,
    submit(urb) {
      const s = ++seqnum;
      if (urb.direction === 'in') inUrbs.add(s);
      const done = awaitReply(s) as Promise<RetSubmit>;
      socket.write(
        encodeCommand({
          kind: 'submit',
          seqnum: s,
          devid,
          direction: urb.direction,
          endpoint: urb.endpoint,
          transferFlags: 0,
          transferBufferLength: urb.direction === 'out' ? (urb.data?.length ?? 0) : urb.length,
          interval: 0,
          setup: urb.setup ?? new Uint8Array(8),
          data: urb.data ?? new Uint8Array(0),
        }),
      );
      return { seqnum: s, done };
    },
    async unlink(target) {
      const s = ++seqnum;
      const done = awaitReply(s);
      socket.write(encodeCommand({ kind: 'unlink', seqnum: s, devid, unlinkSeqnum: target }));
      return (await done).status;
    },
    close: () => socket.destroy(),
  };
}

/** An 8-byte setup packet (USB 2.0 §9.3), little-endian. */
export function setupPacket(requestType: number, request: number, value: number, index: number, length: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint8(0, requestType);
  view.setUint8(1, request);
  view.setUint16(2, value, true);
  view.setUint16(4, index, true);
  view.setUint16(6, length, true);
  return out;
}

/**
 * A USB/IP device server (the "usb host" side of Documentation/usb/usbip_protocol.rst) exporting
 * virtual readers: `usbip list -r` sees them (OP_REQ_DEVLIST), `usbip attach -r … -b <busid>` imports
 * one (OP_REQ_IMPORT), and vhci-hcd then sends every URB of that device over the connection
 * (USBIP_CMD_SUBMIT / CMD_UNLINK), answered by the reader's BusDevice. Listens on 127.0.0.1 only.
 *
 * Unplugging drops the device: the connection closes, so the kernel disconnects it; replug() makes it
 * importable again with a rebooted firmware. Faults at this level: a stalled bulk endpoint (-EPIPE),
 * the device vanishing while a chosen URB is in flight; late answers are the firmware's own plan
 * (`reader.planNextAnswer({ delayMs })`), and the host's own timeout then unlinks the URB.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { VirtualReader } from '../../src/sim';
import { BusDevice, type Completion, type Urb, type UrbRecord } from './bus-device';
import {
  commandLength,
  decodeCommand,
  decodeImportRequest,
  decodeOpCommon,
  encodeDevlistReply,
  encodeImportReply,
  encodeRetSubmit,
  encodeRetUnlink,
  OP_COMMON_LENGTH,
  OP_REQ_IMPORT_LENGTH,
  OpCode,
  UrbStatus,
  URB_HEADER_LENGTH,
  UsbSpeed,
  type CmdSubmit,
  type ExportedDeviceInfo,
} from './protocol';

export interface UsbipServerOptions {
  /** TCP port on 127.0.0.1; 0 = any free one. Default 3240, the port `usbip attach` connects to. */
  readonly port?: number;
  /** Called with each protocol event worth a log line (import, unlink, close). */
  readonly log?: (line: string) => void;
}

export interface ExportedReader {
  readonly busid: string;
  readonly reader: VirtualReader;
  /** The device of the current attachment (null before the first import). */
  readonly bus: BusDevice | null;
  /** A host imported it and the connection is up. */
  readonly attached: boolean;
  /** Resolves at the next import (or now, if attached). */
  whenAttached(): Promise<void>;
  /** Resolves when the current attachment ends (host detach or unplug). */
  whenDetached(): Promise<void>;
  /** Pulls the cable: the connection closes, pending URBs never complete; not importable until replug(). */
  unplug(): void;
  /** Plugs it back: importable again; the next import boots the firmware afresh. */
  replug(): void;
  /** The next bulk transfer of that direction stalls (-EPIPE) until the host clears the halt. */
  stallNext(direction: 'in' | 'out'): void;
  /** The device vanishes (connection dropped) when the host submits a URB matching `when`. */
  vanishWhen(when: (urb: Urb) => boolean): void;
  /** URB records of every attachment so far, oldest first. */
  records(): UrbRecord[];
  /** What the bus device and the firmware saw the host do wrong, over every attachment. */
  violations(): string[];
  /** USB/IP counters: URBs unlinked by the host while pending, and after they completed. */
  readonly unlinks: { pending: number; completed: number };
}

export interface UsbipServer {
  readonly port: number;
  export(reader: VirtualReader, options?: { busid?: string }): ExportedReader;
  close(): Promise<void>;
}

interface Attachment {
  readonly socket: Socket;
  readonly bus: BusDevice;
  readonly pending: Map<number, 'pending'>;
}

class Export implements ExportedReader {
  readonly busid: string;
  readonly reader: VirtualReader;
  readonly devnum: number;
  readonly unlinks = { pending: 0, completed: 0 };
  #attachment: Attachment | null = null;
  #plugged = true;
  #vanish: ((urb: Urb) => boolean) | null = null;
  #stall: ('in' | 'out')[] = [];
  readonly #pastRecords: UrbRecord[] = [];
  readonly #pastViolations: string[] = [];
  #attachedWaiters: (() => void)[] = [];
  #detachedWaiters: (() => void)[] = [];

  constructor(reader: VirtualReader, busid: string, devnum: number) {
    this.reader = reader;
    this.busid = busid;
    this.devnum = devnum;
  }

  get bus(): BusDevice | null {
    return this.#attachment?.bus ?? null;
  }

  get attached(): boolean {
    return this.#attachment !== null;
  }

  get importable(): boolean {
    return this.#plugged && this.#attachment === null;
  }

  whenAttached(): Promise<void> {
    if (this.#attachment) return Promise.resolve();
    return new Promise((resolve) => this.#attachedWaiters.push(resolve));
  }

  whenDetached(): Promise<void> {
    if (!this.#attachment) return Promise.resolve();
    return new Promise((resolve) => this.#detachedWaiters.push(resolve));
  }

  unplug(): void {
    this.#plugged = false;
    this.#attachment?.socket.destroy();
  }

  replug(): void {
    this.#plugged = true;
  }

  stallNext(direction: 'in' | 'out'): void {
    if (this.#attachment) this.#attachment.bus.halt(direction);
    else this.#stall.push(direction);
  }

  vanishWhen(when: (urb: Urb) => boolean): void {
    this.#vanish = when;
  }

  records(): UrbRecord[] {
    return [...this.#pastRecords, ...(this.#attachment?.bus.records ?? [])];
  }

  violations(): string[] {
    const current = this.#attachment ? [...this.#attachment.bus.violations, ...this.#attachment.bus.firmware.violations] : [];
    return [...this.#pastViolations, ...current];
  }

  info(): ExportedDeviceInfo {
    const { layout } = this.reader;
    return {
      path: `/sys/devices/virtual/ecard-pin/${this.busid}`,
      busid: this.busid,
      busnum: 1,
      devnum: this.devnum,
      speed: UsbSpeed.full,
      idVendor: layout.vendorId,
      idProduct: layout.productId,
      bcdDevice: layout.deviceVersion,
      bDeviceClass: 0,
      bDeviceSubClass: 0,
      bDeviceProtocol: 0,
      bConfigurationValue: 0,
      bNumConfigurations: 1,
      interfaces: [{ bInterfaceClass: layout.interfaceClass, bInterfaceSubClass: 0, bInterfaceProtocol: 0 }],
    };
  }

  /** OP_REQ_IMPORT accepted: the firmware boots on a new bus device served over `socket`. */
  attach(socket: Socket): Attachment {
    const attachment: Attachment = { socket, bus: new BusDevice(this.reader), pending: new Map() };
    for (const direction of this.#stall.splice(0)) attachment.bus.halt(direction);
    this.#attachment = attachment;
    for (const resolve of this.#attachedWaiters.splice(0)) resolve();
    return attachment;
  }

  detach(): void {
    const attachment = this.#attachment;
    if (!attachment) return;
    attachment.bus.disconnect();
    this.#pastRecords.push(...attachment.bus.records);
    this.#pastViolations.push(...attachment.bus.violations, ...attachment.bus.firmware.violations);
    this.#attachment = null;
    for (const resolve of this.#detachedWaiters.splice(0)) resolve();
  }

  /** Whether this URB is the one the device vanishes at (the fault is one-shot). */
  vanishesAt(urb: Urb): boolean {
    if (!this.#vanish?.(urb)) return false;
    this.#vanish = null;
    return true;
  }
}

export function startUsbipServer(options: UsbipServerOptions = {}): Promise<UsbipServer> {
  const exports = new Map<string, Export>();
  const sockets = new Set<Socket>();
  const log = options.log ?? (() => undefined);

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (error) => log(`usbip: socket error ${error.message}`));
    serveOps(socket);
  });

  /** The attach phase: one OP request per connection; an import keeps the connection for URBs. */
  function serveOps(socket: Socket): void {
    let buffer: Uint8Array = new Uint8Array(0);
    const onData = (chunk: Uint8Array): void => {
      buffer = concat(buffer, chunk);
      if (buffer.length < OP_COMMON_LENGTH) return;
      const { code } = decodeOpCommon(buffer);
      if (code === OpCode.reqDevlist) {
        socket.off('data', onData);
        const devices = [...exports.values()].filter((e) => e.importable).map((e) => e.info());
        socket.end(encodeDevlistReply(devices));
        return;
      }
      if (code !== OpCode.reqImport) {
        log(`usbip: unknown OP code 0x${code.toString(16)}; closing`);
        socket.destroy();
        return;
      }
      if (buffer.length < OP_REQ_IMPORT_LENGTH) return;
      socket.off('data', onData);
      const busid = decodeImportRequest(buffer);
      const rest = buffer.subarray(OP_REQ_IMPORT_LENGTH);
      const exported = exports.get(busid);
      if (!exported?.importable) {
        log(`usbip: import of ${busid} refused (${exported ? 'unplugged or in use' : 'not exported'})`);
        socket.end(encodeImportReply(null));
        return;
      }
      socket.write(encodeImportReply(exported.info()));
      log(`usbip: ${busid} imported`);
      serveUrbs(socket, exported, exported.attach(socket), rest);
    };
    socket.on('data', onData);
  }

  /** The URB phase: CMD_SUBMIT → RET_SUBMIT when the device completes it; CMD_UNLINK → RET_UNLINK. */
  function serveUrbs(socket: Socket, exported: Export, attachment: Attachment, first: Uint8Array): void {
    let buffer: Uint8Array = first;
    const reply = (bytes: Uint8Array): void => {
      if (!socket.destroyed) socket.write(bytes);
    };
    const onData = (chunk: Uint8Array): void => {
      buffer = concat(buffer, chunk);
      while (buffer.length >= URB_HEADER_LENGTH) {
        let length: number;
        try {
          length = commandLength(buffer);
        } catch (error) {
          log(`usbip: ${error instanceof Error ? error.message : String(error)}; closing`);
          socket.destroy();
          return;
        }
        if (buffer.length < length) return;
        const command = decodeCommand(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (command.kind === 'unlink') {
          const wasPending = attachment.pending.delete(command.unlinkSeqnum);
          if (wasPending) attachment.bus.cancel(command.unlinkSeqnum);
          exported.unlinks[wasPending ? 'pending' : 'completed']++;
          log(`usbip: ${exported.busid} unlink of URB ${command.unlinkSeqnum} (${wasPending ? 'pending' : 'already completed'})`);
          // Documentation/usb/usbip_protocol.rst: -ECONNRESET when unlinked, 0 when it had completed.
          reply(encodeRetUnlink(command.seqnum, wasPending ? UrbStatus.unlinked : UrbStatus.ok));
          continue;
        }
        submit(command);
      }
    };
    const submit = (command: CmdSubmit): void => {
      const urb: Urb = {
        seqnum: command.seqnum,
        direction: command.direction,
        endpoint: command.endpoint,
        length: command.transferBufferLength,
        setup: command.setup,
        data: command.data,
      };
      if (exported.vanishesAt(urb)) {
        log(`usbip: ${exported.busid} vanishes at URB ${urb.seqnum} (${urb.direction} ep ${urb.endpoint})`);
        exported.unplug();
        return;
      }
      attachment.pending.set(urb.seqnum, 'pending');
      void attachment.bus.submit(urb).then((completion: Completion) => {
        // After a successful CMD_UNLINK no RET_SUBMIT may follow: vhci-hcd would drop the device.
        if (!attachment.pending.delete(urb.seqnum)) return;
        reply(encodeRetSubmit(urb.seqnum, completion.status, completion.actualLength, urb.direction === 'in' ? completion.data : new Uint8Array(0)));
      });
    };
    socket.on('data', onData);
    socket.on('close', () => {
      log(`usbip: ${exported.busid} connection closed`);
      exported.detach();
    });
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3240, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        port,
        export(reader, exportOptions = {}) {
          const busid = exportOptions.busid ?? `1-${exports.size + 1}`;
          if (exports.has(busid)) throw new Error(`busid ${busid} is already exported`);
          const exported = new Export(reader, busid, exports.size + 2);
          exports.set(busid, exported);
          return exported;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return new Uint8Array(b);
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

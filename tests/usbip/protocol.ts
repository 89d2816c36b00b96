/**
 * USB/IP messages as the Linux kernel documents them (Documentation/usb/usbip_protocol.rst, version
 * 1.1.1): the OP_* requests of the attach phase and the 48-byte URB headers that follow. Every field
 * is big-endian (network order). Pure codecs; the server (server.ts) owns the socket.
 */

export const USBIP_VERSION = 0x0111;
export const USBIP_PORT = 3240;

export const OpCode = {
  reqDevlist: 0x8005,
  repDevlist: 0x0005,
  reqImport: 0x8003,
  repImport: 0x0003,
} as const;

export const Command = { cmdSubmit: 1, cmdUnlink: 2, retSubmit: 3, retUnlink: 4 } as const;

/** enum usb_device_speed of the kernel: what OP_REP_IMPORT tells vhci-hcd. */
export const UsbSpeed = { low: 1, full: 2, high: 3 } as const;

/** Negative errno values a URB completes with (include/uapi/asm-generic/errno*.h). */
export const UrbStatus = {
  ok: 0,
  /** -EPIPE: the endpoint stalled. */
  stall: -32,
  /** -EOVERFLOW: babble, the device sent more than the buffer held. */
  overflow: -75,
  /** -ECONNRESET: unlinked while pending (the answer to a successful CMD_UNLINK). */
  unlinked: -104,
} as const;

export const OP_COMMON_LENGTH = 8;
export const OP_REQ_IMPORT_LENGTH = OP_COMMON_LENGTH + 32;
export const URB_HEADER_LENGTH = 48;
const PATH_LENGTH = 256;
const BUSID_LENGTH = 32;
/** usbip_usb_device: path, busid, 3 × u32, 3 × u16, 6 × u8 (0x138 bytes). */
const DEVICE_LENGTH = PATH_LENGTH + BUSID_LENGTH + 12 + 6 + 6;

export class UsbipProtocolError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsbipProtocolError';
  }
}

/** What OP_REP_DEVLIST and OP_REP_IMPORT say of an exported device. */
export interface ExportedDeviceInfo {
  readonly path: string;
  readonly busid: string;
  readonly busnum: number;
  readonly devnum: number;
  readonly speed: number;
  readonly idVendor: number;
  readonly idProduct: number;
  readonly bcdDevice: number;
  readonly bDeviceClass: number;
  readonly bDeviceSubClass: number;
  readonly bDeviceProtocol: number;
  readonly bConfigurationValue: number;
  readonly bNumConfigurations: number;
  readonly interfaces: readonly { readonly bInterfaceClass: number; readonly bInterfaceSubClass: number; readonly bInterfaceProtocol: number }[];
}

export interface OpCommon {
  readonly version: number;
  readonly code: number;
  readonly status: number;
}

/** The 8-byte header every OP_* message starts with. */
export function decodeOpCommon(bytes: Uint8Array): OpCommon {
  requireBytes('op_common', bytes, OP_COMMON_LENGTH);
  const view = dataView(bytes);
  return { version: view.getUint16(0), code: view.getUint16(2), status: view.getUint32(4) };
}

export function encodeOpCommon(code: number, status: number): Uint8Array {
  const out = new Uint8Array(OP_COMMON_LENGTH);
  const view = dataView(out);
  view.setUint16(0, USBIP_VERSION);
  view.setUint16(2, code);
  view.setUint32(4, status);
  return out;
}

/** OP_REQ_IMPORT's busid (a NUL-terminated string in 32 bytes). */
export function decodeImportRequest(bytes: Uint8Array): string {
  requireBytes('OP_REQ_IMPORT', bytes, OP_REQ_IMPORT_LENGTH);
  return readString(bytes.subarray(OP_COMMON_LENGTH, OP_REQ_IMPORT_LENGTH));
}

export function encodeImportRequest(busid: string): Uint8Array {
  const out = new Uint8Array(OP_REQ_IMPORT_LENGTH);
  out.set(encodeOpCommon(OpCode.reqImport, 0));
  out.set(writeString(busid, BUSID_LENGTH), OP_COMMON_LENGTH);
  return out;
}

/** OP_REP_IMPORT: status 0 and the device, or status 1 alone (no such busid, or already in use). */
export function encodeImportReply(device: ExportedDeviceInfo | null): Uint8Array {
  if (!device) return encodeOpCommon(OpCode.repImport, 1);
  const out = new Uint8Array(OP_COMMON_LENGTH + DEVICE_LENGTH);
  out.set(encodeOpCommon(OpCode.repImport, 0));
  out.set(encodeDevice(device), OP_COMMON_LENGTH);
  return out;
}

/** OP_REP_DEVLIST: the count, then each device followed by its interfaces (4 bytes each). */
export function encodeDevlistReply(devices: readonly ExportedDeviceInfo[]): Uint8Array {
  const parts = devices.map((d) => {
    const interfaces = new Uint8Array(d.interfaces.length * 4);
    d.interfaces.forEach((i, n) => interfaces.set([i.bInterfaceClass, i.bInterfaceSubClass, i.bInterfaceProtocol, 0], n * 4));
    return [encodeDevice(d), interfaces];
  });
  const length = OP_COMMON_LENGTH + 4 + parts.flat().reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(length);
  out.set(encodeOpCommon(OpCode.repDevlist, 0));
  dataView(out).setUint32(OP_COMMON_LENGTH, devices.length);
  let at = OP_COMMON_LENGTH + 4;
  for (const part of parts.flat()) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Reads a whole OP_REP_DEVLIST (what `usbip list -r` parses); the tests use it as the client. */
export function decodeDevlistReply(bytes: Uint8Array): ExportedDeviceInfo[] {
  const common = decodeOpCommon(bytes);
  if (common.code !== OpCode.repDevlist) throw new UsbipProtocolError(`expected OP_REP_DEVLIST, got 0x${common.code.toString(16)}`);
  requireBytes('OP_REP_DEVLIST', bytes, OP_COMMON_LENGTH + 4);
  const count = dataView(bytes).getUint32(OP_COMMON_LENGTH);
  const devices: ExportedDeviceInfo[] = [];
  let at = OP_COMMON_LENGTH + 4;
  for (let i = 0; i < count; i++) {
    requireBytes('OP_REP_DEVLIST device', bytes, at + DEVICE_LENGTH);
    const device = decodeDevice(bytes.subarray(at, at + DEVICE_LENGTH), bytes, at + DEVICE_LENGTH);
    devices.push(device);
    at += DEVICE_LENGTH + device.interfaces.length * 4;
  }
  return devices;
}

/** Reads OP_REP_IMPORT: the device, or null when the server refused (status ≠ 0). */
export function decodeImportReply(bytes: Uint8Array): ExportedDeviceInfo | null {
  const common = decodeOpCommon(bytes);
  if (common.code !== OpCode.repImport) throw new UsbipProtocolError(`expected OP_REP_IMPORT, got 0x${common.code.toString(16)}`);
  if (common.status !== 0) return null;
  requireBytes('OP_REP_IMPORT', bytes, OP_COMMON_LENGTH + DEVICE_LENGTH);
  return decodeDevice(bytes.subarray(OP_COMMON_LENGTH, OP_COMMON_LENGTH + DEVICE_LENGTH), new Uint8Array(0), 0);
}

/* ---- URB traffic ------------------------------------------------------------------------------ */

/** USBIP_CMD_SUBMIT: one URB from the host. `data` is the OUT payload (empty for IN). */
export interface CmdSubmit {
  readonly kind: 'submit';
  readonly seqnum: number;
  readonly devid: number;
  readonly direction: 'in' | 'out';
  readonly endpoint: number;
  readonly transferFlags: number;
  readonly transferBufferLength: number;
  readonly interval: number;
  readonly setup: Uint8Array;
  readonly data: Uint8Array;
}

export interface CmdUnlink {
  readonly kind: 'unlink';
  readonly seqnum: number;
  readonly devid: number;
  readonly unlinkSeqnum: number;
}

export type HostCommand = CmdSubmit | CmdUnlink;

/**
 * How many bytes the command whose 48-byte header is `header` occupies on the wire: the header, and
 * for an OUT submit its transfer_buffer_length bytes of payload. Isochronous URBs (number_of_packets
 * ≠ 0 and ≠ 0xFFFFFFFF) are refused: no CCID endpoint is isochronous.
 */
export function commandLength(header: Uint8Array): number {
  requireBytes('usbip_header', header, URB_HEADER_LENGTH);
  const view = dataView(header);
  const command = view.getUint32(0);
  if (command === Command.cmdUnlink) return URB_HEADER_LENGTH;
  if (command !== Command.cmdSubmit) throw new UsbipProtocolError(`unknown USB/IP command ${command}`);
  const packets = view.getUint32(0x20);
  if (packets !== 0 && packets !== 0xffffffff) throw new UsbipProtocolError(`isochronous URB (${packets} packets) to a CCID device`);
  const out = view.getUint32(0x0c) === 0;
  return URB_HEADER_LENGTH + (out ? view.getUint32(0x18) : 0);
}

/** Decodes one whole command (its length as commandLength says). */
export function decodeCommand(bytes: Uint8Array): HostCommand {
  const length = commandLength(bytes);
  requireBytes('USB/IP command', bytes, length);
  const view = dataView(bytes);
  const base = { seqnum: view.getUint32(4), devid: view.getUint32(8) };
  if (view.getUint32(0) === Command.cmdUnlink) return { kind: 'unlink', ...base, unlinkSeqnum: view.getUint32(0x14) };
  return {
    kind: 'submit',
    ...base,
    direction: view.getUint32(0x0c) === 1 ? 'in' : 'out',
    endpoint: view.getUint32(0x10),
    transferFlags: view.getUint32(0x14),
    transferBufferLength: view.getUint32(0x18),
    interval: view.getUint32(0x24),
    setup: bytes.slice(0x28, 0x30),
    data: bytes.slice(URB_HEADER_LENGTH, length),
  };
}

/** Encodes a command as vhci-hcd does (the tests play the host with it). */
export function encodeCommand(command: HostCommand): Uint8Array {
  const payload = command.kind === 'submit' && command.direction === 'out' ? command.data : new Uint8Array(0);
  const out = new Uint8Array(URB_HEADER_LENGTH + payload.length);
  const view = dataView(out);
  view.setUint32(4, command.seqnum);
  view.setUint32(8, command.devid);
  if (command.kind === 'unlink') {
    view.setUint32(0, Command.cmdUnlink);
    view.setUint32(0x14, command.unlinkSeqnum);
    return out;
  }
  view.setUint32(0, Command.cmdSubmit);
  view.setUint32(0x0c, command.direction === 'in' ? 1 : 0);
  view.setUint32(0x10, command.endpoint);
  view.setUint32(0x14, command.transferFlags);
  view.setUint32(0x18, command.transferBufferLength);
  view.setUint32(0x20, 0xffffffff);
  view.setUint32(0x24, command.interval);
  out.set(command.setup.subarray(0, 8), 0x28);
  out.set(payload, URB_HEADER_LENGTH);
  return out;
}

/** USBIP_RET_SUBMIT: status (negative errno or 0), and for IN the data received. */
export interface RetSubmit {
  readonly kind: 'ret-submit';
  readonly seqnum: number;
  readonly status: number;
  readonly actualLength: number;
  readonly data: Uint8Array;
}

export interface RetUnlink {
  readonly kind: 'ret-unlink';
  readonly seqnum: number;
  readonly status: number;
}

export type DeviceReply = RetSubmit | RetUnlink;

/**
 * RET_SUBMIT: devid, direction and ep are 0 from the server (the spec); number_of_packets 0 for a
 * non-isochronous URB, as the kernel's own stub driver sends it; IN data follows the header.
 */
export function encodeRetSubmit(seqnum: number, status: number, actualLength: number, inData: Uint8Array): Uint8Array {
  const out = new Uint8Array(URB_HEADER_LENGTH + inData.length);
  const view = dataView(out);
  view.setUint32(0, Command.retSubmit);
  view.setUint32(4, seqnum);
  view.setInt32(0x14, status);
  view.setUint32(0x18, actualLength);
  out.set(inData, URB_HEADER_LENGTH);
  return out;
}

export function encodeRetUnlink(seqnum: number, status: number): Uint8Array {
  const out = new Uint8Array(URB_HEADER_LENGTH);
  const view = dataView(out);
  view.setUint32(0, Command.retUnlink);
  view.setUint32(4, seqnum);
  view.setInt32(0x14, status);
  return out;
}

/**
 * Decodes the server's replies as vhci-hcd reads them; `inLengthOf(seqnum)` says whether the URB was
 * IN (its data follows). Returns the reply and the bytes it used, or null while incomplete.
 */
export function decodeReply(bytes: Uint8Array, isIn: (seqnum: number) => boolean): { reply: DeviceReply; length: number } | null {
  if (bytes.length < URB_HEADER_LENGTH) return null;
  const view = dataView(bytes);
  const command = view.getUint32(0);
  const seqnum = view.getUint32(4);
  const status = view.getInt32(0x14);
  if (command === Command.retUnlink) return { reply: { kind: 'ret-unlink', seqnum, status }, length: URB_HEADER_LENGTH };
  if (command !== Command.retSubmit) throw new UsbipProtocolError(`unknown USB/IP reply ${command}`);
  const actualLength = view.getUint32(0x18);
  const dataLength = isIn(seqnum) ? actualLength : 0;
  if (bytes.length < URB_HEADER_LENGTH + dataLength) return null;
  const data = bytes.slice(URB_HEADER_LENGTH, URB_HEADER_LENGTH + dataLength);
  return { reply: { kind: 'ret-submit', seqnum, status, actualLength, data }, length: URB_HEADER_LENGTH + dataLength };
}

/* ---- helpers ------------------------------------------------------------------------------------- */

function encodeDevice(d: ExportedDeviceInfo): Uint8Array {
  const out = new Uint8Array(DEVICE_LENGTH);
  const view = dataView(out);
  out.set(writeString(d.path, PATH_LENGTH), 0);
  out.set(writeString(d.busid, BUSID_LENGTH), PATH_LENGTH);
  let at = PATH_LENGTH + BUSID_LENGTH;
  for (const value of [d.busnum, d.devnum, d.speed]) {
    view.setUint32(at, value);
    at += 4;
  }
  for (const value of [d.idVendor, d.idProduct, d.bcdDevice]) {
    view.setUint16(at, value);
    at += 2;
  }
  out.set([d.bDeviceClass, d.bDeviceSubClass, d.bDeviceProtocol, d.bConfigurationValue, d.bNumConfigurations, d.interfaces.length], at);
  return out;
}

function decodeDevice(device: Uint8Array, whole: Uint8Array, interfacesAt: number): ExportedDeviceInfo {
  const view = dataView(device);
  const at = PATH_LENGTH + BUSID_LENGTH;
  const count = device[at + 23] ?? 0;
  const interfaces = [];
  for (let i = 0; i < count && interfacesAt > 0; i++) {
    const base = interfacesAt + i * 4;
    requireBytes('OP_REP_DEVLIST interface', whole, base + 4);
    interfaces.push({ bInterfaceClass: whole[base] ?? 0, bInterfaceSubClass: whole[base + 1] ?? 0, bInterfaceProtocol: whole[base + 2] ?? 0 });
  }
  return {
    path: readString(device.subarray(0, PATH_LENGTH)),
    busid: readString(device.subarray(PATH_LENGTH, at)),
    busnum: view.getUint32(at),
    devnum: view.getUint32(at + 4),
    speed: view.getUint32(at + 8),
    idVendor: view.getUint16(at + 12),
    idProduct: view.getUint16(at + 14),
    bcdDevice: view.getUint16(at + 16),
    bDeviceClass: device[at + 18] ?? 0,
    bDeviceSubClass: device[at + 19] ?? 0,
    bDeviceProtocol: device[at + 20] ?? 0,
    bConfigurationValue: device[at + 21] ?? 0,
    bNumConfigurations: device[at + 22] ?? 0,
    interfaces: interfacesAt > 0 ? interfaces : Array.from({ length: count }, () => ({ bInterfaceClass: 0, bInterfaceSubClass: 0, bInterfaceProtocol: 0 })),
  };
}

function writeString(text: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const bytes = new TextEncoder().encode(text);
  if (bytes.length >= size) throw new UsbipProtocolError(`"${text}" does not fit ${size} bytes with its NUL`);
  out.set(bytes);
  return out;
}

function readString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function requireBytes(what: string, bytes: Uint8Array, needed: number): void {
  if (bytes.length < needed) throw new UsbipProtocolError(`${what}: ${needed} bytes needed, ${bytes.length} present`);
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

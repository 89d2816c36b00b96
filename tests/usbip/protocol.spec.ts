import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/ccid';
import {
  Command,
  commandLength,
  decodeCommand,
  decodeDevlistReply,
  decodeImportReply,
  decodeImportRequest,
  decodeOpCommon,
  decodeReply,
  encodeCommand,
  encodeDevlistReply,
  encodeImportReply,
  encodeImportRequest,
  encodeOpCommon,
  encodeRetSubmit,
  encodeRetUnlink,
  OpCode,
  URB_HEADER_LENGTH,
  UsbipProtocolError,
  type ExportedDeviceInfo,
} from './protocol';

/** The capture in Documentation/usb/usbip_protocol.rst "EXAMPLE" (an interrupt IN of a HID device). */
const DOC_CMD_INTR_IN = fromHex('00000001 00000d05 0001000f 00000001 00000001 00000200 00000040 ffffffff 00000000 00000004 00000000 00000000');
const DOC_CMD_INTR_OUT = fromHex(
  '00000001 00000d06 0001000f 00000000 00000001 00000000 00000040 ffffffff 00000000 00000004 00000000 00000000' +
    'ffffffff860008a784ce5ae212376300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
);
const DOC_RET_INTR_IN = fromHex(
  '00000003 00000d05 00000000 00000000 00000000 00000000 00000040 ffffffff 00000000 00000000 00000000 00000000' +
    'ffffffff860011a784ce5ae2123763612891b1020100000400000000000000000000000000000000000000000000000000000000000000000000000000000000',
);

const reader: ExportedDeviceInfo = {
  path: '/sys/devices/virtual/ecard-pin/1-1',
  busid: '1-1',
  busnum: 1,
  devnum: 2,
  speed: 2,
  idVendor: 0x08e6,
  idProduct: 0x3478,
  bcdDevice: 0x0100,
  bDeviceClass: 0,
  bDeviceSubClass: 0,
  bDeviceProtocol: 0,
  bConfigurationValue: 0,
  bNumConfigurations: 1,
  interfaces: [{ bInterfaceClass: 0x0b, bInterfaceSubClass: 0, bInterfaceProtocol: 0 }],
};

describe('USB/IP codecs (usbip_protocol.rst)', () => {
  it('reads the documented CMD_SUBMIT capture: interrupt IN, seqnum 0xd05, devid 1-15, 64 bytes', () => {
    expect(commandLength(DOC_CMD_INTR_IN)).toBe(URB_HEADER_LENGTH);
    expect(decodeCommand(DOC_CMD_INTR_IN)).toMatchObject({
      kind: 'submit',
      seqnum: 0xd05,
      devid: 0x0001000f,
      direction: 'in',
      endpoint: 1,
      transferFlags: 0x200,
      transferBufferLength: 64,
      interval: 4,
    });
  });

  it('takes the OUT payload of transfer_buffer_length bytes after the header', () => {
    expect(commandLength(DOC_CMD_INTR_OUT)).toBe(URB_HEADER_LENGTH + 64);
    const command = decodeCommand(DOC_CMD_INTR_OUT);
    expect(command.kind === 'submit' && toHex(command.data.subarray(0, 8), '')).toBe('FFFFFFFF860008A7');
  });

  it('reads the documented RET_SUBMIT with its 64 IN bytes', () => {
    const decoded = decodeReply(DOC_RET_INTR_IN, () => true);
    expect(decoded?.length).toBe(URB_HEADER_LENGTH + 64);
    expect(decoded?.reply).toMatchObject({ kind: 'ret-submit', seqnum: 0xd05, status: 0, actualLength: 64 });
  });

  it('waits for the whole IN payload before a reply is complete', () => {
    expect(decodeReply(DOC_RET_INTR_IN.subarray(0, 60), () => true)).toBeNull();
    expect(decodeReply(DOC_RET_INTR_IN.subarray(0, 47), () => true)).toBeNull();
  });

  it('encodes RET_SUBMIT with devid, direction and ep 0, and a negative errno as status', () => {
    const bytes = encodeRetSubmit(7, -32, 0, new Uint8Array(0));
    expect(toHex(bytes.subarray(0, 0x1c), '')).toBe('00000003' + '00000007' + '00000000'.repeat(3) + 'FFFFFFE0' + '00000000');
    expect(decodeReply(bytes, () => false)?.reply).toEqual({ kind: 'ret-submit', seqnum: 7, status: -32, actualLength: 0, data: new Uint8Array(0) });
  });

  it('round-trips CMD_UNLINK and RET_UNLINK (-ECONNRESET)', () => {
    const unlink = encodeCommand({ kind: 'unlink', seqnum: 9, devid: 0x10002, unlinkSeqnum: 8 });
    expect(unlink.length).toBe(URB_HEADER_LENGTH);
    expect(decodeCommand(unlink)).toEqual({ kind: 'unlink', seqnum: 9, devid: 0x10002, unlinkSeqnum: 8 });
    expect(decodeReply(encodeRetUnlink(9, -104), () => false)?.reply).toEqual({ kind: 'ret-unlink', seqnum: 9, status: -104 });
  });

  it('refuses isochronous URBs and unknown commands', () => {
    const iso = DOC_CMD_INTR_IN.slice();
    iso.set([0, 0, 0, 8], 0x20);
    expect(() => commandLength(iso)).toThrow(UsbipProtocolError);
    const unknown = DOC_CMD_INTR_IN.slice();
    unknown.set([0, 0, 0, 9], 0);
    expect(() => commandLength(unknown)).toThrow(/unknown USB\/IP command 9/);
  });

  it('lays out OP_REP_IMPORT as the table says (busid at 0x108, idVendor at 0x134, bNumInterfaces at 0x13F)', () => {
    const bytes = encodeImportReply(reader);
    expect(bytes.length).toBe(8 + 0x138);
    expect(decodeOpCommon(bytes)).toEqual({ version: 0x0111, code: OpCode.repImport, status: 0 });
    expect(new TextDecoder().decode(bytes.subarray(0x108, 0x10b))).toBe('1-1');
    expect(toHex(bytes.subarray(0x134, 0x13a), '')).toBe('08E634780100');
    expect(bytes[0x13f]).toBe(1);
    expect(decodeImportReply(bytes)).toMatchObject({ busid: '1-1', idVendor: 0x08e6, idProduct: 0x3478, speed: 2 });
  });

  it('answers a refused import with status 1 and nothing after it', () => {
    const bytes = encodeImportReply(null);
    expect(toHex(bytes, '')).toBe('0111000300000001');
    expect(decodeImportReply(bytes)).toBeNull();
  });

  it('lists devices with their interfaces (OP_REP_DEVLIST: 0x138 bytes + 4 per interface)', () => {
    const second = { ...reader, busid: '1-2', devnum: 3, interfaces: [{ bInterfaceClass: 0xff, bInterfaceSubClass: 0, bInterfaceProtocol: 0 }] };
    const bytes = encodeDevlistReply([reader, second]);
    expect(bytes.length).toBe(12 + 2 * (0x138 + 4));
    expect(bytes[12 + 0x138]).toBe(0x0b);
    expect(decodeDevlistReply(bytes).map((d) => [d.busid, d.interfaces[0]?.bInterfaceClass])).toEqual([
      ['1-1', 0x0b],
      ['1-2', 0xff],
    ]);
  });

  it('reads the busid of OP_REQ_IMPORT', () => {
    const bytes = encodeImportRequest('1-3');
    expect(toHex(bytes.subarray(0, 8), '')).toBe('0111800300000000');
    expect(decodeImportRequest(bytes)).toBe('1-3');
    expect(toHex(encodeOpCommon(OpCode.reqDevlist, 0), '')).toBe('0111800500000000');
  });

  it('numbers the four URB commands as the kernel does', () => {
    expect(Command).toEqual({ cmdSubmit: 1, cmdUnlink: 2, retSubmit: 3, retUnlink: 4 });
  });
});

// Reader for the capture QEMU writes with `-device usb-ccid,pcap=FILE` (QEMU hw/usb/pcap.c):
// classic pcap, host byte order, link type 220 = LINKTYPE_USB_LINUX_MMAPPED, each record a 64-byte
// usbmon header (linux Documentation/usb/usbmon.rst, "binary interface") + up to 256 data bytes.
// QEMU logs one 'S' (submit) and one 'C' (complete) record per transfer on endpoints other than 0
// (a NAKed IN transfer is logged once, when it is first submitted); control transfers carry id 0.
export const LINKTYPE_USB_LINUX_MMAPPED = 220;
export const XFER = Object.freeze({ isochronous: 0, interrupt: 1, control: 2, bulk: 3 });
const FILE_HEADER = 24;
const RECORD_HEADER = 16;
const USBMON_HEADER = 64;

export class PcapFormatError extends Error {
  /** @param {string} what @param {number} offset @param {string} expected @param {string} got */
  constructor(what, offset, expected, got) {
    super(`pcap ${what} at offset ${offset}: expected ${expected}, got ${got}`);
    this.name = 'PcapFormatError';
    this.what = what;
    this.offset = offset;
    this.expected = expected;
    this.got = got;
  }
}

/**
 * @typedef {{ event: 'S' | 'C' | 'E', xferType: number, endpoint: number, device: number,
 *   status: number, length: number, setup: Uint8Array | null, data: Uint8Array }} UsbmonRecord
 */

/** @param {Uint8Array} bytes the whole capture file @returns {UsbmonRecord[]} */
export function parseUsbmonPcap(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (bytes.length < FILE_HEADER) {
    throw new PcapFormatError('file header', 0, `${FILE_HEADER} bytes`, `${bytes.length} bytes`);
  }
  const magic = view.getUint32(0, true);
  const little = magic === 0xa1b2c3d4;
  if (!little && magic !== 0xd4c3b2a1) {
    throw new PcapFormatError('magic', 0, 'a1b2c3d4 (either byte order)', magic.toString(16));
  }
  const linkType = view.getUint32(20, little);
  if (linkType !== LINKTYPE_USB_LINUX_MMAPPED) {
    throw new PcapFormatError('link type', 20, String(LINKTYPE_USB_LINUX_MMAPPED), String(linkType));
  }
  /** @type {UsbmonRecord[]} */
  const records = [];
  let at = FILE_HEADER;
  while (at < bytes.length) {
    if (bytes.length - at < RECORD_HEADER) {
      throw new PcapFormatError('record header', at, `${RECORD_HEADER} bytes`, `${bytes.length - at} bytes`);
    }
    const included = view.getUint32(at + 8, little);
    const body = at + RECORD_HEADER;
    if (included < USBMON_HEADER || included > bytes.length - body) {
      throw new PcapFormatError('record length', at + 8, `${USBMON_HEADER}..${bytes.length - body}`, String(included));
    }
    const event = String.fromCharCode(bytes[body + 8] ?? 0);
    if (event !== 'S' && event !== 'C' && event !== 'E') {
      throw new PcapFormatError('usbmon event type', body + 8, "'S', 'C' or 'E'", event);
    }
    const xferType = bytes[body + 9] ?? 0;
    records.push({
      event,
      xferType,
      endpoint: bytes[body + 10] ?? 0,
      device: bytes[body + 11] ?? 0,
      status: view.getInt32(body + 28, little),
      length: view.getUint32(body + 32, little),
      setup: event === 'S' && xferType === XFER.control ? bytes.slice(body + 40, body + 48) : null,
      data: bytes.slice(body + USBMON_HEADER, body + included),
    });
    at = body + included;
  }
  return records;
}

/**
 * Completed bulk transfers per direction — the "transfers per APDU" the QEMU suite counts.
 * @param {UsbmonRecord[]} records
 * @returns {{ out: number, in: number, failed: number }}
 */
export function countBulkTransfers(records) {
  const counts = { out: 0, in: 0, failed: 0 };
  for (const record of records) {
    if (record.event !== 'C' || record.xferType !== XFER.bulk) continue;
    if (record.status !== 0) counts.failed++;
    else if (record.endpoint & 0x80) counts.in++;
    else counts.out++;
  }
  return counts;
}

/**
 * Groups the bulk traffic by CCID command: each bulk-OUT submission whose data starts a message
 * (bMessageType, CCID 1.1 §6.1) opens a group that counts the completed bulk transfers (both
 * directions) until the next one. A short APDU over XfrBlock should cost 2: OUT, then IN.
 * @param {UsbmonRecord[]} records
 * @returns {{ messageType: number, transfers: number }[]}
 */
export function bulkTransfersPerCommand(records) {
  /** @type {{ messageType: number, transfers: number }[]} */
  const groups = [];
  for (const record of records) {
    if (record.xferType !== XFER.bulk) continue;
    if (record.event === 'S' && !(record.endpoint & 0x80) && record.data.length >= 10) {
      groups.push({ messageType: record.data[0] ?? 0, transfers: 0 });
    } else if (record.event === 'C') {
      const current = groups[groups.length - 1];
      if (current) current.transfers++;
    }
  }
  return groups;
}

/**
 * Completed bulk transfers and the bytes they moved: OUT counted at submission (its data), IN at
 * completion (the data received) — a capture's "transfers and bytes" for the peer table.
 * @param {UsbmonRecord[]} records
 * @returns {{ transfers: number, bytes: number }}
 */
export function bulkTraffic(records) {
  let transfers = 0;
  let bytes = 0;
  for (const record of records) {
    if (record.xferType !== XFER.bulk) continue;
    const isIn = (record.endpoint & 0x80) !== 0;
    if (record.event === 'C') transfers++;
    if ((record.event === 'S' && !isIn) || (record.event === 'C' && isIn)) bytes += record.length;
  }
  return { transfers, bytes };
}

/**
 * One physical reader, one entry: which WebUSB device and which PC/SC reader are the same reader.
 *
 * PC/SC names a reader by a string only (spec README, "Access permissions based on card readers"):
 * on pcsc-lite with libccid, "<manufacturer> <product> [<interface>] (<serial>) NN SS" — the USB
 * strings, then the reader index and the slot. The USB identity comes with PC/SC part 10
 * FEATURE_GET_TLV_PROPERTIES (wIdVendor, wIdProduct) where the driver offers it (libccid does).
 *
 * The rule: the same VID:PID when the PC/SC reader tells its own (and, when the name carries a
 * serial number in parentheses, the same serial); else, by name: the PC/SC name without its
 * " NN SS" suffix, "[interface]" and "(serial)" parts equals the USB "manufacturer product" or
 * "product" string (case and spaces ignored), and the serial, where both have one, is the same.
 * When they are the same reader, PC/SC serves it: the platform's stack (the Smart Card Connector
 * on ChromeOS) holds it, and claiming it over WebUSB would take it from that stack or fail.
 */

export interface UsbReaderIdentity {
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturerName?: string | null | undefined;
  readonly productName?: string | null | undefined;
  readonly serialNumber?: string | null | undefined;
}

export interface PcscReaderIdentity {
  readonly name: string;
  readonly vendorId: number | null;
  readonly productId: number | null;
}

export interface PcscNameParts {
  /** The USB strings part: "<manufacturer> <product>". */
  readonly label: string;
  readonly serial: string | null;
  readonly iface: string | null;
}

const fold = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();

/** Splits a pcsc-lite reader name into the USB label, the interface and the serial number. */
export function pcscNameParts(name: string): PcscNameParts {
  let rest = name.replace(/\s+[0-9A-F]{2}\s+[0-9A-F]{2}\s*$/i, '');
  const serial = /\s*\(([^()]*)\)\s*$/.exec(rest);
  if (serial) rest = rest.slice(0, serial.index);
  const iface = /\s*\[([^[\]]*)\]\s*$/.exec(rest);
  if (iface) rest = rest.slice(0, iface.index);
  return { label: rest.trim(), serial: serial?.[1]?.trim() || null, iface: iface?.[1]?.trim() || null };
}

export function sameReader(usb: UsbReaderIdentity, pcsc: PcscReaderIdentity): boolean {
  const parts = pcscNameParts(pcsc.name);
  const serialsAgree = !parts.serial || !usb.serialNumber || fold(parts.serial) === fold(usb.serialNumber);
  if (pcsc.vendorId !== null && pcsc.productId !== null) {
    return pcsc.vendorId === usb.vendorId && pcsc.productId === usb.productId && serialsAgree;
  }
  const label = fold(parts.label);
  const names = [[usb.manufacturerName, usb.productName].filter(Boolean).join(' '), usb.productName ?? ''].map(fold).filter(Boolean);
  return names.includes(label) && serialsAgree;
}

/**
 * QEMU 7.2's usb-ccid answers GetParameters / SetParameters / ResetParameters with dwLength 0 and
 * then the whole 7-byte protocol data union (hw/usb/dev-smartcard-reader.c, ccid_write_parameters),
 * where CCID 1.1 §6.2.3 says dwLength is the size of abProtocolDataStructure (5 for T=0, 7 for T=1).
 * The driver refuses that frame (MalformedDataError), so no card powers on. The suite records that
 * refusal as a failing test, then switches this correction on so the rest of the driver can still be
 * tested against QEMU: it rewrites exactly that frame into the one the spec describes.
 */
const RDR_TO_PC_PARAMETERS = 0x82;
const HEADER = 10;
const QEMU_UNION_SIZE = 7;
const DATA_LENGTH: Readonly<Record<number, number>> = { 0: 5, 1: 7 };

/** The spec's form of QEMU's Parameters frame, or null for any other bytes. */
export function correctedParametersFrame(frame: Uint8Array): Uint8Array | null {
  if (frame.length !== HEADER + QEMU_UNION_SIZE || frame[0] !== RDR_TO_PC_PARAMETERS) return null;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const length = DATA_LENGTH[frame[9] ?? 0xff];
  if (view.getUint32(1, true) !== 0 || length === undefined) return null;
  const fixed = frame.slice(0, HEADER + length);
  new DataView(fixed.buffer).setUint32(1, length, true);
  return fixed;
}

export interface ParametersCorrection {
  readonly device: USBDevice;
  /** Frames rewritten so far. */
  readonly corrected: number;
  enable(): void;
}

/** Wraps `device`; transferIn results pass unchanged until enable(). */
export function withParametersCorrection(device: USBDevice): ParametersCorrection {
  let enabled = false;
  let corrected = 0;
  const transferIn = async (endpoint: number, length: number): Promise<USBInTransferResult> => {
    const result = await device.transferIn(endpoint, length);
    const data = result.data;
    if (!enabled || !data) return result;
    const fixed = correctedParametersFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (!fixed) return result;
    corrected++;
    return { data: new DataView(fixed.buffer), status: result.status };
  };
  const wrapped = new Proxy(device, {
    get(target, property) {
      if (property === 'transferIn') return transferIn;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    device: wrapped,
    get corrected() {
      return corrected;
    },
    enable() {
      enabled = true;
    },
  };
}

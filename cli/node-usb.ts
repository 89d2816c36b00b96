/**
 * node-usb as the driver's USB: its WebUSB devices implement the W3C USBDevice, but reject with
 * plain Errors whose text carries libusb's code, where Chrome rejects with named DOMExceptions.
 * The driver maps rejections by those names (src/ccid/usb-errors.ts), so devices get Chrome's names
 * here and the typed errors (DeviceBusyError for pcscd, AccessDeniedError for a missing udev rule)
 * come out the same on the desktop as in the browser.
 */
import { WebUSBDevice, getDeviceList, type ConfigDescriptor, type Device } from 'usb';
import { AccessDeniedError, DeviceBusyError, DeviceDisconnectedError, UsbTransferError, type CcidError } from '../src/ccid';

/** libusb's error codes that mean something to a user, with Chrome's name for the same case. */
const LIBUSB_ERRORS = {
  // No udev rule / no permission on /dev/bus/usb/BBB/DDD (Chrome: SecurityError "Access denied").
  ACCESS: { domName: 'SecurityError', typed: AccessDeniedError },
  // Another program (pcscd) claimed the interface (Chrome: NetworkError "Unable to claim interface").
  BUSY: { domName: 'NetworkError', typed: DeviceBusyError },
  NO_DEVICE: { domName: 'NotFoundError', typed: DeviceDisconnectedError },
} as const;
type LibusbCode = keyof typeof LIBUSB_ERRORS;

/** The libusb code in a node-usb rejection ("claimInterface error: Error: LIBUSB_ERROR_BUSY"), if any. */
export function libusbErrorCode(error: unknown): LibusbCode | null {
  const text = error instanceof Error ? error.message : String(error);
  const code = /LIBUSB_ERROR_([A-Z_]+)/.exec(text)?.[1];
  return code !== undefined && code in LIBUSB_ERRORS ? (code as LibusbCode) : null;
}

/** The rejection as Chrome would give it: a DOMException named for the case, or unchanged. */
export function asWebUsbRejection(error: unknown): unknown {
  const code = libusbErrorCode(error);
  if (code === null) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new DOMException(text, LIBUSB_ERRORS[code].domName);
}

/** A node-usb device whose every method rejects (or throws) the way Chrome's would. */
export function withWebUsbRejections(device: USBDevice): USBDevice {
  return new Proxy(device, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw asWebUsbRejection(error);
        }
        return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(asWebUsbRejection(error))) : result;
      };
    },
  });
}

/** A USB device with a smart card interface, found without opening it. */
export interface CcidCandidate {
  readonly vendorId: number;
  readonly productId: number;
  readonly busNumber: number;
  readonly deviceAddress: number;
  /** Opens it as a W3C USBDevice; rejects with AccessDeniedError, DeviceBusyError, ... */
  open(): Promise<USBDevice>;
}

const SMART_CARD_CLASS = 0x0b;
const VENDOR_CLASS = 0xff;
const CCID_DESCRIPTOR_LENGTH = 0x36;

/**
 * USB CCID 1.1 §4.3: class 0x0B; some pre-standard readers use vendor class 0xFF with the same
 * 54-byte descriptor (type 0x21 or 0xFF) after the interface or after its endpoints.
 */
export interface InterfaceShape {
  readonly bInterfaceClass: number;
  /** Class-specific descriptors after the interface descriptor. */
  readonly extra: Uint8Array;
  readonly endpoints: readonly { readonly extra: Uint8Array }[];
}

export function isCcidInterface(iface: InterfaceShape): boolean {
  if (iface.bInterfaceClass === SMART_CARD_CLASS) return true;
  if (iface.bInterfaceClass !== VENDOR_CLASS) return false;
  const extras = [iface.extra, ...iface.endpoints.map((endpoint) => endpoint.extra)];
  return extras.some((extra) => extra.length >= CCID_DESCRIPTOR_LENGTH && extra[0] === CCID_DESCRIPTOR_LENGTH && (extra[1] === 0x21 || extra[1] === 0xff));
}

/** The smart card readers on the bus, from the descriptors the OS already read (no device is opened). */
export function findCcidCandidates(): CcidCandidate[] {
  return getDeviceList().filter(hasCcidInterface).map((device) => ({
    vendorId: device.deviceDescriptor.idVendor,
    productId: device.deviceDescriptor.idProduct,
    busNumber: device.busNumber,
    deviceAddress: device.deviceAddress,
    open: () => openWebUsb(device),
  }));
}

function hasCcidInterface(device: Device): boolean {
  let configurations: ConfigDescriptor[];
  try {
    configurations = device.allConfigDescriptors;
  } catch {
    return false; // descriptors unreadable: not a device we could drive anyway
  }
  return configurations.some((config) => config.interfaces.some((alternates) => alternates.some(isCcidInterface)));
}

async function openWebUsb(device: Device): Promise<USBDevice> {
  try {
    return withWebUsbRejections(await WebUSBDevice.createInstance(device));
  } catch (error) {
    throw openError(error);
  }
}

/** node-usb opens the device to read its strings: a refusal there is the same as Chrome's at open(). */
function openError(error: unknown): CcidError {
  const code = libusbErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === null) return new UsbTransferError(`open: ${message}`, { cause: error });
  return new LIBUSB_ERRORS[code].typed(`open: ${message}`, { cause: error });
}

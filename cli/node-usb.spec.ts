import { describe, it, expect } from 'vitest';
import { CcidReader, DeviceBusyError, AccessDeniedError, DeviceDisconnectedError, fromHex } from '../src/ccid';
import { createVirtualReader } from '../src/sim';
import { asWebUsbRejection, isCcidInterface, libusbErrorCode, withWebUsbRejections } from './node-usb';

/** QEMU usb-ccid's class descriptor (read from the guest): T=0, TPDU, bPINSupport 1. */
const QEMU_DESCRIPTOR = '36211001000701000000a00f000000000100008025000000c2010000fe0000000000000000000000fe04010012000100ffff00000101';

describe('libusbErrorCode', () => {
  it('finds the code in the text node-usb wraps around a LibUSBException', () => {
    expect(libusbErrorCode(new Error('claimInterface error: Error: LIBUSB_ERROR_BUSY'))).toBe('BUSY');
    expect(libusbErrorCode(new Error('initialize error: Error: LIBUSB_ERROR_ACCESS'))).toBe('ACCESS');
    expect(libusbErrorCode(new Error('transferIn error: Error: LIBUSB_ERROR_NO_DEVICE'))).toBe('NO_DEVICE');
  });

  it('answers null for codes without a user meaning and for other errors', () => {
    expect(libusbErrorCode(new Error('transferIn error: Error: LIBUSB_ERROR_IO'))).toBeNull();
    expect(libusbErrorCode('plain text')).toBeNull();
  });
});

describe('asWebUsbRejection', () => {
  it('names the rejection as Chrome does: BUSY NetworkError, ACCESS SecurityError, NO_DEVICE NotFoundError', () => {
    const names = ['LIBUSB_ERROR_BUSY', 'LIBUSB_ERROR_ACCESS', 'LIBUSB_ERROR_NO_DEVICE'].map((code) => {
      const mapped = asWebUsbRejection(new Error(`x error: Error: ${code}`));
      return mapped instanceof DOMException ? mapped.name : 'not a DOMException';
    });
    expect(names).toEqual(['NetworkError', 'SecurityError', 'NotFoundError']);
  });

  it('passes any other rejection through unchanged', () => {
    const error = new Error('transferOut error: Error: LIBUSB_ERROR_PIPE');
    expect(asWebUsbRejection(error)).toBe(error);
  });
});

describe('withWebUsbRejections', () => {
  /** A virtual reader whose claimInterface/open rejects like node-usb: plain Error with libusb text. */
  function nodeUsbLike(device: USBDevice, method: 'open' | 'claimInterface', code: string): USBDevice {
    return new Proxy(device, {
      get(target, property) {
        if (property === method) return () => Promise.reject(new Error(`${method} error: Error: ${code}`));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  it('lets the driver report pcscd holding the reader as DeviceBusyError', async () => {
    const reader = createVirtualReader({ descriptor: QEMU_DESCRIPTOR });
    const device = withWebUsbRejections(nodeUsbLike(reader.device, 'claimInterface', 'LIBUSB_ERROR_BUSY'));
    await expect(CcidReader.open(device)).rejects.toBeInstanceOf(DeviceBusyError);
  });

  it('lets the driver report a missing udev rule as AccessDeniedError', async () => {
    const reader = createVirtualReader({ descriptor: QEMU_DESCRIPTOR });
    const device = withWebUsbRejections(nodeUsbLike(reader.device, 'open', 'LIBUSB_ERROR_ACCESS'));
    await expect(CcidReader.open(device)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('lets the driver report an unplugged reader as DeviceDisconnectedError', async () => {
    const reader = createVirtualReader({ descriptor: QEMU_DESCRIPTOR });
    const device = withWebUsbRejections(nodeUsbLike(reader.device, 'claimInterface', 'LIBUSB_ERROR_NO_DEVICE'));
    await expect(CcidReader.open(device)).rejects.toBeInstanceOf(DeviceDisconnectedError);
  });

  it('leaves working methods and properties alone', async () => {
    const reader = createVirtualReader({ descriptor: QEMU_DESCRIPTOR, vendorId: 0x08e6, productId: 0x4433 });
    const device = withWebUsbRejections(reader.device);
    const opened = await CcidReader.open(device);
    expect([device.vendorId, device.productId, opened.descriptor.dwFeatures]).toEqual([0x08e6, 0x4433, 0x000104fe]);
    await opened.close();
  });
});

describe('isCcidInterface', () => {
  const ccid = fromHex(QEMU_DESCRIPTOR);
  it('accepts class 0x0B whatever follows it', () => {
    expect(isCcidInterface({ bInterfaceClass: 0x0b, extra: new Uint8Array(0), endpoints: [] })).toBe(true);
  });

  it('accepts vendor class 0xFF with the 54-byte descriptor after the interface or after an endpoint', () => {
    expect(isCcidInterface({ bInterfaceClass: 0xff, extra: ccid, endpoints: [] })).toBe(true);
    expect(isCcidInterface({ bInterfaceClass: 0xff, extra: new Uint8Array(0), endpoints: [{ extra: new Uint8Array(0) }, { extra: ccid }] })).toBe(true);
    const preStandard = ccid.slice();
    preStandard[1] = 0xff;
    expect(isCcidInterface({ bInterfaceClass: 0xff, extra: preStandard, endpoints: [] })).toBe(true);
  });

  it('refuses vendor class without a CCID descriptor, and other classes', () => {
    expect(isCcidInterface({ bInterfaceClass: 0xff, extra: ccid.subarray(0, 53), endpoints: [] })).toBe(false);
    expect(isCcidInterface({ bInterfaceClass: 0xff, extra: fromHex('0921100100012200'), endpoints: [] })).toBe(false);
    expect(isCcidInterface({ bInterfaceClass: 0x03, extra: ccid, endpoints: [] })).toBe(false);
  });
});

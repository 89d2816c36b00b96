import { describe, it, expect } from 'vitest';
import { isTransferError, usbError } from './usb-errors';
import { AccessDeniedError, DeviceBusyError, DeviceDisconnectedError, ProtectedClassError, UsbTransferError } from './errors';

const dom = (message: string, name: string) => new DOMException(message, name);

describe('usbError', () => {
  it('tells a protected class (claim) from access denied (open)', () => {
    expect(usbError('claimInterface', dom('The requested interface implements a protected class.', 'SecurityError'))).toBeInstanceOf(ProtectedClassError);
    expect(usbError('open', dom('Access denied.', 'SecurityError'))).toBeInstanceOf(AccessDeniedError);
  });

  it('reads NetworkError on claim as "another program holds the reader"', () => {
    expect(usbError('claimInterface', dom('Unable to claim interface.', 'NetworkError'))).toBeInstanceOf(DeviceBusyError);
  });

  it('reads NotFoundError anywhere as a disconnect, keeping the cause', () => {
    const cause = dom('The device was disconnected.', 'NotFoundError');
    const error = usbError('transfer', cause);
    expect(error).toBeInstanceOf(DeviceDisconnectedError);
    expect(error.cause).toBe(cause);
  });

  it('knows the transfer error a cut transfer ends with (Chromium on Linux) from the rest', () => {
    expect(isTransferError(dom('A transfer error has occurred.', 'NetworkError'))).toBe(true);
    expect(isTransferError(dom('The transfer was cancelled.', 'AbortError'))).toBe(false);
    expect(isTransferError(new UsbTransferError('stalled'))).toBe(false);
  });

  it('keeps anything else as a transfer error', () => {
    expect(usbError('transfer', new TypeError('x'))).toBeInstanceOf(UsbTransferError);
    expect(usbError('transfer', 'odd')).toBeInstanceOf(UsbTransferError);
  });
});

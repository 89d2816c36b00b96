/**
 * WebUSB rejections → typed platform errors the app can explain. Chrome's wording is not an API,
 * so the class of the DOMException decides, and the step (open / claim / transfer) disambiguates.
 */
import {
  AccessDeniedError,
  CcidError,
  DeviceBusyError,
  DeviceDisconnectedError,
  ProtectedClassError,
  UsbTransferError,
} from './errors';

export type UsbStep = 'open' | 'selectConfiguration' | 'claimInterface' | 'transfer' | 'control';

function domName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : undefined;
}

export function isDisconnect(error: unknown): boolean {
  return domName(error) === 'NotFoundError';
}

/** A transfer the platform ended with an error: also how Chromium on Linux ends one an unplug cut. */
export function isTransferError(error: unknown): boolean {
  return domName(error) === 'NetworkError';
}

/** Maps a WebUSB rejection at `step` to one of the driver's typed errors. */
export function usbError(step: UsbStep, error: unknown): CcidError {
  if (error instanceof CcidError) return error;
  const name = domName(error);
  const options = { cause: error };
  if (name === 'NotFoundError') return new DeviceDisconnectedError(`${step}: the reader was disconnected`, options);
  if (name === 'SecurityError' && step === 'claimInterface') {
    // Chrome: "The requested interface implements a protected class." (smart card class 0x0B).
    return new ProtectedClassError('claimInterface: the browser protects the smart card class here', options);
  }
  if (name === 'SecurityError') return new AccessDeniedError(`${step}: access to the reader was denied`, options);
  if (name === 'NetworkError' && (step === 'claimInterface' || step === 'open')) {
    // Chrome: "Unable to claim interface." — another program (pcscd, a driver) holds it.
    return new DeviceBusyError(`${step}: the reader is in use by another program`, options);
  }
  return new UsbTransferError(`${step}: ${name ?? 'error'}: ${describe(error)}`, options);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

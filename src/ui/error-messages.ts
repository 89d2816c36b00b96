/**
 * Every failure a user can meet at this level → one plain-language message key. The mapping is by
 * error class (never by parsing messages).
 */
import {
  AccessDeniedError,
  AtrError,
  CardAbsentError,
  CardLinkError,
  CardMuteError,
  CardNotPoweredError,
  CardNotSupportedError,
  CardProtocolError,
  CcidCommandError,
  CcidTimeoutError,
  DeviceBusyError,
  DeviceDisconnectedError,
  MalformedDataError,
  PinPadRefusalError,
  PinPadUnavailableError,
  PpsError,
  ProtectedClassError,
  ReaderProtocolError,
  T1BlockError,
  UnsupportedReaderError,
  UsbTransferError,
} from '../ccid';
import {
  PcscCardAbsentError,
  PcscCardResetError,
  PcscCardUnusableError,
  PcscError,
  PcscPermissionError,
  PcscPinEntryError,
  PcscReaderGoneError,
  PcscServiceError,
  PcscSharingViolationError,
} from '../pcsc';
import type { MessageKey } from './i18n';
import type { AppPlace } from './place';

const BY_CLASS: readonly [abstract new (...args: never[]) => Error, MessageKey][] = [
  [AccessDeniedError, 'errAccessDenied'],
  [DeviceBusyError, 'errBusy'],
  [DeviceDisconnectedError, 'errDisconnected'],
  [UnsupportedReaderError, 'errUnsupportedReader'],
  [CardAbsentError, 'errCardAbsent'],
  [CardMuteError, 'errCardMute'],
  [CardNotPoweredError, 'errCardMute'],
  [CardProtocolError, 'errCardProtocol'],
  [CardNotSupportedError, 'errCardProtocol'],
  [AtrError, 'errCardProtocol'],
  [PpsError, 'errCardProtocol'],
  // A T=1 exchange the bounded recovery could not save (ISO/IEC 7816-3 §11.6): a try may have been spent.
  [CardLinkError, 'errCardLink'],
  [T1BlockError, 'errCardLink'],
  [PinPadRefusalError, 'errPinEntry'],
  [PinPadUnavailableError, 'errPinPadUnavailable'],
  [CcidTimeoutError, 'errTimeout'],
  [UsbTransferError, 'errUsbTransfer'],
  [ReaderProtocolError, 'errReaderProtocol'],
  [MalformedDataError, 'errReaderProtocol'],
  [CcidCommandError, 'errReader'],
  // PC/SC (the Web Smart Card API): the platform's response codes, src/pcsc/errors.ts.
  [PcscSharingViolationError, 'errPcscSharing'],
  [PcscCardAbsentError, 'errCardAbsent'],
  [PcscCardResetError, 'errPcscCardReset'],
  [PcscCardUnusableError, 'errCardProtocol'],
  [PcscReaderGoneError, 'errPcscReaderGone'],
  [PcscServiceError, 'errPcscService'],
  [PcscPermissionError, 'errPcscPermission'],
  [PcscPinEntryError, 'errPcscPinEntry'],
  [PcscError, 'errPcscCommand'],
];

/** The protected class is explained by where the app runs: a page cannot, an IWA needs the permission. */
const PROTECTED_CLASS_BY_PLACE: Readonly<Record<AppPlace, MessageKey>> = {
  'web-page': 'errProtectedClass',
  'isolated-app': 'errProtectedClassIsolatedApp',
  'isolated-app-unrestricted': 'errProtectedClassRefused',
};

export function messageFor(error: unknown, place: AppPlace = 'web-page'): MessageKey {
  if (error instanceof DOMException && error.name === 'NotFoundError') return 'errCancelled';
  if (error instanceof ProtectedClassError) return PROTECTED_CLASS_BY_PLACE[place];
  for (const [type, key] of BY_CLASS) if (error instanceof type) return key;
  return 'errUnknown';
}

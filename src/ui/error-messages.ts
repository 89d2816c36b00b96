/**
 * Every failure a user can meet at this level → one plain-language message key. The mapping is by
 * error class (never by parsing messages).
 */
import {
  AccessDeniedError,
  CardAbsentError,
  CardMuteError,
  CardNotSupportedError,
  CardProtocolError,
  CcidCommandError,
  CcidTimeoutError,
  DeviceBusyError,
  DeviceDisconnectedError,
  ProtectedClassError,
  UnsupportedReaderError,
} from '../ccid';
import type { MessageKey } from './i18n';

const BY_CLASS: readonly [abstract new (...args: never[]) => Error, MessageKey][] = [
  [ProtectedClassError, 'errProtectedClass'],
  [AccessDeniedError, 'errAccessDenied'],
  [DeviceBusyError, 'errBusy'],
  [DeviceDisconnectedError, 'errDisconnected'],
  [UnsupportedReaderError, 'errUnsupportedReader'],
  [CardAbsentError, 'errCardAbsent'],
  [CardMuteError, 'errCardMute'],
  [CardProtocolError, 'errCardProtocol'],
  [CardNotSupportedError, 'errCardProtocol'],
  [CcidTimeoutError, 'errTimeout'],
  [CcidCommandError, 'errReader'],
];

export function messageFor(error: unknown): MessageKey {
  if (error instanceof DOMException && error.name === 'NotFoundError') return 'errCancelled';
  for (const [type, key] of BY_CLASS) if (error instanceof type) return key;
  return 'errUnknown';
}

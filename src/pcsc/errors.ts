/**
 * Typed errors of the PC/SC transport: one class per thing a caller (the flows, the UI) handles
 * differently, each keeping the platform's error as `cause` and its response code. The UI maps the
 * classes to plain words (src/ui/error-messages.ts); the flows turn a missing card into -8 and a
 * gone reader into -9, as over CCID (src/flows/machine.ts).
 *
 * The platform's errors (WICG web-smart-card index.bs §SmartCardError): a DOMException named
 * "SmartCardError" with a `responseCode`, or another DOMException for the codes the spec maps
 * elsewhere ("InvalidStateError" for SCARD_E_INVALID_HANDLE / SCARD_E_SERVICE_STOPPED, "AbortError"
 * for SCARD_P_SHUTDOWN, "UnknownError" for the rest), "SecurityError" when the permissions policy
 * does not allow "smart-card", "NotAllowedError" when the user or the admin refused the reader.
 */
import type { SmartCardResponseCode } from './web-smart-card';

/** What the platform said: a response code, or the name of the DOMException / error. */
export type PcscFailure = SmartCardResponseCode | string;

export class PcscError extends Error {
  readonly failure: PcscFailure;
  constructor(message: string, failure: PcscFailure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.failure = failure;
  }
}

/** Another program holds the reader (or the card) exclusively: "sharing-violation". */
export class PcscSharingViolationError extends PcscError {}
/** No card in the reader, or it was taken out: "no-smartcard", "removed-card". */
export class PcscCardAbsentError extends PcscError {}
/** Another program reset the card under us: whatever was selected or verified is gone ("reset-card"). */
export class PcscCardResetError extends PcscError {}
/** A card is there but cannot be used: mute, unpowered, unsupported, no common protocol. */
export class PcscCardUnusableError extends PcscError {}
/** The reader is gone (unplugged) or unknown to the PC/SC service. */
export class PcscReaderGoneError extends PcscError {}
/** The PC/SC service (on ChromeOS: the Smart Card Connector) is missing, stopped, busy or shutting down. */
export class PcscServiceError extends PcscError {}
/** The permissions policy, the admin's policy or the user refused access to smart cards. */
export class PcscPermissionError extends PcscError {}
/**
 * The reader's driver failed a PIN pad command after taking it ("not-transacted": libccid reports
 * any reader error after PC_to_RDR_Secure so): whether the PIN reached the card is unknown. Never
 * retried; the card's tries left are read again.
 */
export class PcscPinEntryError extends PcscError {}
/** Any other refusal of a command by the reader or the service. */
export class PcscCommandError extends PcscError {}

type PcscErrorClass = new (message: string, failure: PcscFailure, options?: { cause?: unknown }) => PcscError;

const BY_RESPONSE_CODE: Readonly<Record<SmartCardResponseCode, PcscErrorClass>> = {
  'sharing-violation': PcscSharingViolationError,
  'no-smartcard': PcscCardAbsentError,
  'removed-card': PcscCardAbsentError,
  'reset-card': PcscCardResetError,
  'unresponsive-card': PcscCardUnusableError,
  'unpowered-card': PcscCardUnusableError,
  'unsupported-card': PcscCardUnusableError,
  'proto-mismatch': PcscCardUnusableError,
  'reader-unavailable': PcscReaderGoneError,
  'unknown-reader': PcscReaderGoneError,
  'no-service': PcscServiceError,
  'server-too-busy': PcscServiceError,
  'system-cancelled': PcscServiceError,
  'not-ready': PcscServiceError,
  'not-transacted': PcscCommandError,
  'unsupported-feature': PcscCommandError,
};

const BY_NAME: Readonly<Record<string, PcscErrorClass>> = {
  SecurityError: PcscPermissionError,
  NotAllowedError: PcscPermissionError,
  // SCARD_E_INVALID_HANDLE / SCARD_E_SERVICE_STOPPED: the service dropped the context or connection.
  InvalidStateError: PcscServiceError,
  AbortError: PcscServiceError,
};

/** The response code of a SmartCardError (by shape: the class is not a global outside an IWA); else null. */
export function responseCodeOf(error: unknown): SmartCardResponseCode | null {
  if (typeof error !== 'object' || error === null) return null;
  const { name, responseCode } = error as { name?: unknown; responseCode?: unknown };
  return name === 'SmartCardError' && typeof responseCode === 'string' && responseCode in BY_RESPONSE_CODE
    ? (responseCode as SmartCardResponseCode)
    : null;
}

/** The typed error for a failure of `what` (e.g. "connect", "transmit"); errors already typed pass through. */
export function pcscError(what: string, error: unknown): PcscError {
  if (error instanceof PcscError) return error;
  const code = responseCodeOf(error);
  const name = typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : 'Error';
  const failure = code ?? name;
  const Type = (code ? BY_RESPONSE_CODE[code] : BY_NAME[name]) ?? PcscCommandError;
  const detail = error instanceof Error ? error.message : String(error);
  return new Type(`${what}: ${failure}${detail ? ` (${detail})` : ''}`, failure, { cause: error });
}

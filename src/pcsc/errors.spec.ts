import { describe, expect, it } from 'vitest';
import {
  PcscCardAbsentError,
  PcscCommandError,
  PcscPermissionError,
  PcscReaderGoneError,
  PcscServiceError,
  PcscSharingViolationError,
  pcscError,
  responseCodeOf,
} from './errors';

/** A SmartCardError as the platform makes it (WICG web-smart-card §SmartCardError): a DOMException with a responseCode. */
const smartCardError = (responseCode: string) => Object.assign(new DOMException('PC/SC', 'SmartCardError'), { responseCode });

describe('the platform errors as typed errors', () => {
  it.each([
    ['sharing-violation', PcscSharingViolationError],
    ['no-smartcard', PcscCardAbsentError],
    ['removed-card', PcscCardAbsentError],
    ['reader-unavailable', PcscReaderGoneError],
    ['unknown-reader', PcscReaderGoneError],
    ['no-service', PcscServiceError],
    ['not-transacted', PcscCommandError],
  ] as const)('%s → %o', (code, type) => {
    const error = pcscError('connect', smartCardError(code));
    expect(error).toBeInstanceOf(type);
    expect(error.failure).toBe(code);
    expect((error.cause as DOMException).name).toBe('SmartCardError');
    expect(error.message).toContain('connect');
  });

  it('other DOMExceptions by name: SecurityError (no "smart-card") and NotAllowedError → permission; InvalidStateError → the service', () => {
    expect(pcscError('establishContext', new DOMException('no', 'SecurityError'))).toBeInstanceOf(PcscPermissionError);
    expect(pcscError('connect', new DOMException('no', 'NotAllowedError'))).toBeInstanceOf(PcscPermissionError);
    expect(pcscError('transmit', new DOMException('gone', 'InvalidStateError'))).toBeInstanceOf(PcscServiceError);
    expect(pcscError('transmit', new TypeError('bad'))).toBeInstanceOf(PcscCommandError);
  });

  it('reads the response code only of a SmartCardError with a known code', () => {
    expect(responseCodeOf(smartCardError('removed-card'))).toBe('removed-card');
    expect(responseCodeOf(smartCardError('made-up'))).toBeNull();
    expect(responseCodeOf(Object.assign(new DOMException('x', 'UnknownError'), { responseCode: 'removed-card' }))).toBeNull();
    expect(responseCodeOf('removed-card')).toBeNull();
  });

  it('keeps an error already typed', () => {
    const typed = new PcscReaderGoneError('gone', 'unknown-reader');
    expect(pcscError('again', typed)).toBe(typed);
  });
});

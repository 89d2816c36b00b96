import { describe, expect, it } from 'vitest';
import * as ccid from '../ccid';
import * as pcsc from '../pcsc';
import { messageFor } from './error-messages';
import { en } from './i18n/en';
import { ro } from './i18n/ro';

type ErrorClass = abstract new (...args: never[]) => Error;

/** Every error class the driver exports. */
const isErrorClass = (value: unknown): value is ErrorClass => typeof value === 'function' && value.prototype instanceof Error;
const ERROR_CLASSES: [string, ErrorClass][] = Object.entries(ccid as Record<string, unknown>).flatMap(([name, value]) =>
  isErrorClass(value) ? [[name, value] as [string, ErrorClass]] : [],
);

/**
 * Errors a provider cannot meet: they mean our own code asked for something impossible (an APDU too long
 * for the reader, a PIN structure out of range, T=1 used before it was set up). They say "unexpected".
 */
const OUR_OWN_BUGS = new Set([
  'CcidError',
  'ApduTooLongError',
  'PinPadRequestError',
]);

/** An instance without running the constructor: the mapping is by class, never by message. */
const instanceOf = (type: ErrorClass): Error => Object.create(type.prototype) as Error;

describe('every driver error has a plain-language message in Romanian and English', () => {
  it('finds the driver error classes', () => {
    expect(ERROR_CLASSES.length).toBeGreaterThanOrEqual(35);
  });

  it.each(ERROR_CLASSES.filter(([name]) => !OUR_OWN_BUGS.has(name)))('%s → a message of its own, not "unexpected"', (_name, type) => {
    const key = messageFor(instanceOf(type));
    expect(key).not.toBe('errUnknown');
    expect(ro[key].length).toBeGreaterThan(20);
    expect(en[key].length).toBeGreaterThan(20);
  });

  it.each([...OUR_OWN_BUGS])('%s (a bug of ours, not a situation at the desk) → "unexpected"', (name) => {
    const type = ERROR_CLASSES.find(([n]) => n === name)?.[1];
    if (!type) throw new Error(`${name} is no longer exported`);
    expect(messageFor(instanceOf(type))).toBe('errUnknown');
  });

  it('a broken T=1 link says the card is checked again before any retry', () => {
    expect(messageFor(instanceOf(ccid.CardLinkError))).toBe('errCardLink');
    expect(ro.errCardLink).toContain('încercări');
  });

  it('a reader that breaks CCID is told apart from a card that breaks ISO 7816-3', () => {
    expect(messageFor(instanceOf(ccid.ReaderProtocolError))).toBe('errReaderProtocol');
    expect(messageFor(instanceOf(ccid.AtrError))).toBe('errCardProtocol');
    expect(messageFor(instanceOf(ccid.T1BlockError))).toBe('errCardLink');
  });

  it('the protected class is worded for where the app runs: a page, an IWA without usb-unrestricted, an IWA with it', () => {
    const error = instanceOf(ccid.ProtectedClassError);
    expect(messageFor(error)).toBe('errProtectedClass');
    expect(messageFor(error, 'web-page')).toBe('errProtectedClass');
    expect(ro.errProtectedClass).toContain('pagini web obișnuite');
    expect(messageFor(error, 'isolated-app')).toBe('errProtectedClassIsolatedApp');
    expect(messageFor(error, 'isolated-app-unrestricted')).toBe('errProtectedClassRefused');
    for (const key of ['errProtectedClassIsolatedApp', 'errProtectedClassRefused'] as const) {
      expect(ro[key]).not.toContain('pagini web obișnuite');
      expect(ro[key]).toContain('usb-unrestricted');
      expect(en[key]).not.toContain('normal web page');
    }
  });

  it('a chooser closed without a reader is not an error of the reader', () => {
    expect(messageFor(new DOMException('No device selected.', 'NotFoundError'))).toBe('errCancelled');
    expect(messageFor(new Error('anything else'))).toBe('errUnknown');
  });
});

describe('every PC/SC error has a plain-language message in Romanian and English', () => {
  const PCSC_CLASSES = Object.entries(pcsc as Record<string, unknown>).flatMap(([name, value]) => (isErrorClass(value) ? [[name, value] as [string, ErrorClass]] : []));

  it('finds the PC/SC error classes', () => {
    expect(PCSC_CLASSES.map(([name]) => name)).toEqual(expect.arrayContaining(['PcscSharingViolationError', 'PcscReaderGoneError', 'PcscPermissionError']));
  });

  it.each(PCSC_CLASSES)('%s → a message, never "unexpected"', (_name, type) => {
    const key = messageFor(instanceOf(type));
    expect(key).not.toBe('errUnknown');
    expect(ro[key].length).toBeGreaterThan(20);
    expect(en[key].length).toBeGreaterThan(20);
  });

  it('"sharing-violation" says another program holds the reader', () => {
    const key = messageFor(pcsc.pcscError('connect', Object.assign(new DOMException('x', 'SmartCardError'), { responseCode: 'sharing-violation' })));
    expect(ro[key]).toContain('Alt program folosește acum cititorul');
    expect(en[key]).toContain('Another program is using the reader');
  });
});

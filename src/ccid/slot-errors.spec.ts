import { describe, it, expect } from 'vitest';
import { slotError } from './slot-errors';
import {
  BadParameterError,
  CardAbsentError,
  CardMuteError,
  CardProtocolError,
  CardTransmissionError,
  CcidCommandError,
  CommandAbortedError,
  CommandNotSupportedError,
  PinEntryCancelledError,
  PinEntryTimeoutError,
  ReaderBusyError,
  ReaderHardwareError,
  SlotBusyError,
  UnknownReaderError,
} from './errors';

describe('slotError (CCID 1.1 §6.2.6)', () => {
  it.each([
    [0xff, CommandAbortedError],
    [0xfe, CardMuteError],
    [0xfd, CardTransmissionError],
    [0xfc, CardTransmissionError],
    [0xfb, ReaderHardwareError],
    [0xf8, CardProtocolError],
    [0xf7, CardProtocolError],
    [0xf6, CardProtocolError],
    [0xf5, CardProtocolError],
    [0xf4, CardProtocolError],
    [0xf3, CardProtocolError],
    [0xf2, ReaderBusyError],
    [0xf0, PinEntryTimeoutError],
    [0xef, PinEntryCancelledError],
    [0xe0, SlotBusyError],
    [0x00, CommandNotSupportedError],
  ])('maps bError 0x%s to its own class', (bError, type) => {
    const error = slotError('XfrBlock', bError, 'active');
    expect(error).toBeInstanceOf(type);
    expect(error.bError).toBe(bError);
    expect(error.iccStatus).toBe(0);
  });

  it('reads ICC_MUTE on an empty slot as "no card"', () => {
    expect(slotError('IccPowerOn', 0xfe, 'absent')).toBeInstanceOf(CardAbsentError);
    expect(slotError('IccPowerOn', 0xfe, 'inactive')).not.toBeInstanceOf(CardAbsentError);
  });

  it('names the rejected field offset for 1..127', () => {
    for (let offset = 1; offset <= 127; offset++) {
      const error = slotError('SetParameters', offset, 'active');
      expect(error).toBeInstanceOf(BadParameterError);
      expect((error as BadParameterError).offset).toBe(offset);
    }
  });

  it('gives every one of the 256 values a typed error, reserved ones included', () => {
    const kinds = new Set<string>();
    for (let bError = 0; bError < 256; bError++) {
      const error = slotError('XfrBlock', bError, 'active');
      expect(error).toBeInstanceOf(CcidCommandError);
      kinds.add(error.name);
    }
    expect(slotError('XfrBlock', 0x80, 'active')).toBeInstanceOf(UnknownReaderError);
    expect(slotError('XfrBlock', 0xc0, 'active')).toBeInstanceOf(UnknownReaderError);
    expect(kinds.size).toBe(12);
  });
});

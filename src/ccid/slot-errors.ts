/**
 * bError → typed error, for a response whose bmCommandStatus says "failed" (USB CCID 1.1 §6.2.6,
 * Table 6.2-2 "Slot error register when bmCommandStatus = 1").
 */
import { hexByte } from './bytes';
import {
  BadParameterError,
  CardAbsentError,
  CardMuteError,
  CardProtocolError,
  CardTransmissionError,
  CommandAbortedError,
  CommandNotSupportedError,
  PinEntryCancelledError,
  PinEntryTimeoutError,
  ReaderBusyError,
  ReaderHardwareError,
  SlotBusyError,
  UnknownReaderError,
  type CcidCommandError,
} from './errors';
import type { IccStatus } from './messages';

type ErrorClass = new (message: string, bError: number, iccStatus: number) => CcidCommandError;

const BY_CODE: ReadonlyMap<number, readonly [ErrorClass, string]> = new Map([
  [0xff, [CommandAbortedError, 'CMD_ABORTED: the command was aborted']],
  [0xfe, [CardMuteError, 'ICC_MUTE: the card does not answer']],
  [0xfd, [CardTransmissionError, 'XFR_PARITY_ERROR: parity error talking to the card']],
  [0xfc, [CardTransmissionError, 'XFR_OVERRUN: overrun talking to the card']],
  [0xfb, [ReaderHardwareError, 'HW_ERROR: reader hardware error']],
  [0xf8, [CardProtocolError, 'BAD_ATR_TS: the card sent a bad TS']],
  [0xf7, [CardProtocolError, 'BAD_ATR_TCK: the card sent a bad ATR checksum']],
  [0xf6, [CardProtocolError, 'ICC_PROTOCOL_NOT_SUPPORTED: the reader cannot use the card protocol']],
  [0xf5, [CardProtocolError, 'ICC_CLASS_NOT_SUPPORTED: the reader cannot supply the card voltage class']],
  [0xf4, [CardProtocolError, 'PROCEDURE_BYTE_CONFLICT: the card sent an unexpected procedure byte']],
  [0xf3, [CardProtocolError, 'DEACTIVATED_PROTOCOL: the protocol is not activated']],
  [0xf2, [ReaderBusyError, 'BUSY_WITH_AUTO_SEQUENCE: the reader is busy with an automatic sequence']],
  [0xf0, [PinEntryTimeoutError, 'PIN_TIMEOUT: no PIN was entered in time']],
  [0xef, [PinEntryCancelledError, 'PIN_CANCELLED: PIN entry was cancelled on the reader']],
  [0xe0, [SlotBusyError, 'CMD_SLOT_BUSY: the slot is busy with another command']],
  [0x00, [CommandNotSupportedError, 'command not supported by the reader']],
]);

const ICC_STATUS_CODE: Readonly<Record<IccStatus, number>> = { active: 0, inactive: 1, absent: 2 };

export function slotError(command: string, bError: number, iccStatus: IccStatus): CcidCommandError {
  const status = ICC_STATUS_CODE[iccStatus];
  // ICC_MUTE with bmICCStatus 2 means there is no card at all, not a silent one.
  if (bError === 0xfe && iccStatus === 'absent') {
    return new CardAbsentError(`${command}: no card in the slot`, bError, status);
  }
  const known = BY_CODE.get(bError);
  if (known) return new known[0](`${command}: ${known[1]}`, bError, status);
  if (bError >= 0x01 && bError <= 0x7f) {
    return new BadParameterError(`${command}: the reader rejected the field at offset ${bError}`, bError, status);
  }
  return new UnknownReaderError(`${command}: reader error 0x${hexByte(bError)}`, bError, status);
}

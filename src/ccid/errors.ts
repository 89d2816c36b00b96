/**
 * Typed errors of the CCID driver. One class per thing a caller may handle differently;
 * the UI maps classes to words and never parses messages.
 */

/** Base of every error the driver throws on purpose. */
export class CcidError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Bytes from a device (descriptor, message, ATR, block) that do not follow the spec.
 * `offset` is where in the input the problem is; `expected` and `got` say what was wrong.
 */
export class MalformedDataError extends CcidError {
  readonly what: string;
  readonly offset: number;
  readonly expected: string;
  readonly got: string;
  constructor(what: string, offset: number, expected: string, got: string, options?: { cause?: unknown }) {
    super(`${what}: at offset ${offset} expected ${expected}, got ${got}`, options);
    this.what = what;
    this.offset = offset;
    this.expected = expected;
    this.got = got;
  }
}

/* ---- The platform (WebUSB) ------------------------------------------------------------------ */

/** claimInterface() refused: Chrome protects class 0x0B outside an Isolated Web App. */
export class ProtectedClassError extends CcidError {}
/** open() refused by the OS: no WinUSB driver (Windows), no udev rule (Linux). */
export class AccessDeniedError extends CcidError {}
/** The interface is held by another program (pcscd, a vendor tool, another tab). */
export class DeviceBusyError extends CcidError {}
/** The reader is gone (unplugged, or closed under us). */
export class DeviceDisconnectedError extends CcidError {}
/** A USB transfer failed in a way the driver could not recover (stall twice, babble, ...). */
export class UsbTransferError extends CcidError {}
/** The device has no interface we can drive (no CCID interface, no bulk endpoints, ...). */
export class UnsupportedReaderError extends CcidError {}

/* ---- The reader / card answering a command (CCID 1.1 §6.2.6, bError) ------------------------ */

/** A command failed with bmCommandStatus = 1; `bError` and `iccStatus` as the reader sent them. */
export class CcidCommandError extends CcidError {
  readonly bError: number;
  readonly iccStatus: number;
  constructor(message: string, bError: number, iccStatus: number, options?: { cause?: unknown }) {
    super(message, options);
    this.bError = bError;
    this.iccStatus = iccStatus;
  }
}
/** No card in the slot (ICC_MUTE with bmICCStatus = 2, or a command that needs a card). */
export class CardAbsentError extends CcidCommandError {}
/** A card is present but does not answer (ICC_MUTE 0xFE): no ATR, or no answer in time. */
export class CardMuteError extends CcidCommandError {}
/** The slot is already processing a command (CMD_SLOT_BUSY 0xE0). */
export class SlotBusyError extends CcidCommandError {}
/** The user pressed Cancel on the PIN pad (PIN_CANCELLED 0xEF). Costs no PIN try. */
export class PinEntryCancelledError extends CcidCommandError {}
/** The user did not finish the PIN pad entry in time (PIN_TIMEOUT 0xF0). Costs no PIN try. */
export class PinEntryTimeoutError extends CcidCommandError {}
/** The command is not supported by this reader (bError 0x00). */
export class CommandNotSupportedError extends CcidCommandError {}
/** The reader rejected the field at `offset` of the message (bError 1..127). */
export class BadParameterError extends CcidCommandError {
  get offset(): number {
    return this.bError;
  }
}
/** The command was aborted (CMD_ABORTED 0xFF), normally by our own PC_to_RDR_Abort. */
export class CommandAbortedError extends CcidCommandError {}
/** Reader hardware error (HW_ERROR 0xFB), e.g. over-current. */
export class ReaderHardwareError extends CcidCommandError {}
/** Character-level transmission with the card failed (XFR_PARITY_ERROR 0xFD, XFR_OVERRUN 0xFC). */
export class CardTransmissionError extends CcidCommandError {}
/**
 * The reader could not talk to this card: bad ATR (0xF8 / 0xF7), protocol or voltage class not
 * supported (0xF6 / 0xF5), procedure byte conflict (0xF4), deactivated protocol (0xF3).
 */
export class CardProtocolError extends CcidCommandError {}
/** The reader is busy with an automatic sequence such as PPS (BUSY_WITH_AUTO_SEQUENCE 0xF2). */
export class ReaderBusyError extends CcidCommandError {}
/** A bError value the spec leaves reserved or vendor-defined (0x80..0xC0 and the gaps). */
export class UnknownReaderError extends CcidCommandError {}

/* ---- Time ----------------------------------------------------------------------------------- */

/** The driver's own timer ran out (WebUSB transfers have none); the command was aborted. */
export class CcidTimeoutError extends CcidError {}

/* ---- ISO 7816-3 (card link) ----------------------------------------------------------------- */

/** The reader and the card have no protocol, voltage or speed in common. */
export class CardNotSupportedError extends CcidError {}
/** T=1 (or T=0) could not deliver a command after the bounded recovery of ISO 7816-3 §11.6. */
export class CardLinkError extends CcidError {}

/** The reader broke the CCID protocol: answers out of sequence, wrong slot, wrong message type. */
export class ReaderProtocolError extends CcidError {}

/** A card command was asked of a slot whose card is not powered (call powerOn first). */
export class CardNotPoweredError extends CcidError {}

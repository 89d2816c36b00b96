/** The CCID driver's public door (architecture.md, "Public surface"). */
export { parseCcidClassDescriptor, findCcidInterfaces, Feature } from './descriptors';
export type { CcidClassDescriptor, CcidInterface, EndpointInfo, ExchangeLevel, Voltage } from './descriptors';
export { CcidReader } from './reader';
export type { CardPower, ReaderOptions, ReaderEvents, SlotChange } from './reader';
export { CcidSlot } from './slot';
export type { AtrListener, CardChangeWatch, SlotStatus } from './slot';
export type { IccStatus } from './messages';
export { CcidTransport } from './transport';
export type { TransportOptions, TransportStats, CommandOptions } from './transport';
export { ApduTooLongError } from './apdu-level';
export { AtrError } from './atr';
export { PpsError } from './negotiation-pps';
export { T1BlockError } from './t1-block';
export * from './errors';
export { toHex, fromHex, hexByte } from './bytes';
export {
  PinPadRequestError,
  PinPadUnavailableError,
  PinPadRefusalError,
  PinPadTimeoutError,
  PinPadCancelledError,
  PinsDifferError,
  PinLengthRefusedError,
  pinEntryRefusal,
  refusalInAnswer,
  pinVerifyStructure,
  pinModifyStructure,
} from './pinpad';
export { encodePinVerify, encodePinModify, decodePinOperation, PinOperation, PinStructureError } from './pin-structures';
export type { PinVerifyStructure, PinModifyStructure, DecodedPinOperation, PinFormat, PinBlock, PinLengthField } from './pin-structures';
export type { VerifyPinRequest, ModifyPinRequest, ConfirmMode, PinLength, PinEntryRefusal, PinPadUnavailableReason } from './pinpad';
export { pinpadQuirk, PINPAD_QUIRKS } from './pinpad-quirks';
export type { PinpadQuirk } from './pinpad-quirks';

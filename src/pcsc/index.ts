/** The PC/SC transport's public door: a slot over the Web Smart Card API, the reader list, typed errors, the part 10 codecs. */
export { PcscSlot } from './slot';
export type { PcscSlotOptions, PcscReaderInfo } from './slot';
export { watchReaderList } from './readers';
export type { ReaderListWatch } from './readers';
export {
  PcscError,
  PcscSharingViolationError,
  PcscCardAbsentError,
  PcscCardResetError,
  PcscCardUnusableError,
  PcscReaderGoneError,
  PcscServiceError,
  PcscPermissionError,
  PcscPinEntryError,
  PcscCommandError,
  pcscError,
  responseCodeOf,
} from './errors';
export type { PcscFailure } from './errors';
export { CM_IOCTL_GET_FEATURE_REQUEST, Feature, Property, scardCtlCode, decodeFeatures, encodeFeatures, decodeTlvProperties, encodeTlvProperties } from './features';
export type { FeatureCodes, TlvProperties } from './features';
export { encodePcscPinVerify, encodePcscPinModify, decodePcscPinVerify, decodePcscPinModify } from './pin-structures';
export { nextReaderState, stateIn } from './reader-state';
export type { ReaderState, ReaderEvent } from './reader-state';
export { PNP_NOTIFICATION } from './web-smart-card';
export type * from './web-smart-card';

/**
 * The PC/SC transport's public door: a slot over the Web Smart Card API, the reader list, the typed
 * errors, the API's types. The part 10 codecs (features.ts, pin-structures.ts) and the state
 * reducer (reader-state.ts) are pure modules of this folder that the test stand-ins share. The app
 * loads the slot and the reader list on demand (`loadPcscTransport`): only a browser with the Web
 * Smart Card API needs them, so they stay out of the first screen.
 */
export const loadPcscTransport = () => import('./transport');
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
export { PNP_NOTIFICATION } from './web-smart-card';
export type * from './web-smart-card';
export type { FeatureCodes } from './features';

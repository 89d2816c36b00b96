/**
 * The PC/SC transport's working part, loaded on demand through `loadPcscTransport()` (index.ts):
 * only a page whose browser has the Web Smart Card API needs it, so it stays out of the first screen.
 */
export { PcscSlot } from './slot';
export { watchReaderList } from './readers';

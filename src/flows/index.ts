/** The use cases, each a state machine taking a slot and a PIN source and returning an outcome. */
export { activateCard, changePin, checkCard, resetPin, verifyPin } from './flows';
export type { FlowContext, FlowState } from './machine';
export type { CardSlot } from './card-slot';
export { PINPAD_TIMEOUT_SECONDS, PinEntryAbandonedError, ScreenPinsDifferError, pinpadSource, screenSource } from './pin-source';
export type { PinCommand, PinPrompt, PinSource } from './pin-source';
export { theOnlyReader } from './readers';

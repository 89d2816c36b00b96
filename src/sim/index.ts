/** The simulator's public door: virtual readers, PIN pad, cards, the CAS console, a navigator.usb stand-in. */
export { createVirtualReader } from './virtual-reader';
export type { VirtualReader, VirtualReaderOptions } from './virtual-reader';
export { createVirtualUsb } from './virtual-usb';
export type { VirtualUsb, VirtualUsbControls } from './virtual-usb';
export { createApduCard } from './virtual-card';
export type { VirtualCard } from './virtual-card';
export { createT1Card } from './card-t1';
export type { T1Card, T1CardFaults } from './card-t1';
export { createVirtualEcard } from './virtual-ecard';
export type { VirtualEcard, VirtualEcardOptions, VirtualEcardState, PinTry } from './virtual-ecard';
export { createCasConsole } from './cas-console';
export type { CasConsole } from './cas-console';
export type { AnswerPlan } from './ccid-firmware';
export type { PlatformPolicy } from './virtual-usb-device';
export { createVirtualPinpad } from './virtual-pinpad';
export type { VirtualPinpad, VirtualPinpadOptions, PinPrompt, PinPromptKind, PinPadKey } from './virtual-pinpad';
export { createHostileReader, lies, type HostileReader, type Lie, type StraySeq } from './hostile-reader';

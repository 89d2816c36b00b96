/** The simulator's public door: virtual readers, cards and a navigator.usb stand-in. */
export { createVirtualReader } from './virtual-reader';
export type { VirtualReader, VirtualReaderOptions } from './virtual-reader';
export { createVirtualUsb } from './virtual-usb';
export type { VirtualUsb, VirtualUsbControls } from './virtual-usb';
export type { VirtualCard } from './virtual-card';
export type { AnswerPlan } from './ccid-firmware';
export type { PlatformPolicy } from './virtual-usb-device';

/** "076B:3821" for vendor 0x076B, product 0x3821: the way the reader corpus and lsusb write a USB id. */
export function vidPid(vendorId: number, productId: number): string {
  const hex4 = (value: number): string => value.toString(16).toUpperCase().padStart(4, '0');
  return `${hex4(vendorId)}:${hex4(productId)}`;
}

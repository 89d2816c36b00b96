/**
 * The readers libccid supports, from its Info.plist (ifdVendorID / ifdProductID / ifdFriendlyName:
 * three parallel arrays). pcscd loads libccid for a USB device only when its VID:PID is listed there.
 */
export interface SupportedReader {
  readonly vendorId: number;
  readonly productId: number;
  readonly name: string;
}

export function parseLibccidInfoPlist(xml: string): SupportedReader[] {
  const array = (key: string): string[] => {
    const match = new RegExp(`<key>${key}</key>\\s*<array>([\\s\\S]*?)</array>`).exec(xml);
    if (!match?.[1]) throw new Error(`Info.plist: no <array> for ${key}`);
    return [...match[1].matchAll(/<string>([^<]*)<\/string>/g)].map((m) => m[1] ?? '');
  };
  const vendors = array('ifdVendorID');
  const products = array('ifdProductID');
  const names = array('ifdFriendlyName');
  if (vendors.length !== products.length || vendors.length !== names.length) {
    throw new Error(`Info.plist: ${vendors.length} vendor ids, ${products.length} product ids, ${names.length} names`);
  }
  return vendors.map((vendor, i) => ({ vendorId: parseInt(vendor, 16), productId: parseInt(products[i] ?? '', 16), name: names[i] ?? '' }));
}


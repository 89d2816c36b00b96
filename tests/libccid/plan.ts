/**
 * Which corpus readers libccid judges, chosen deterministically: the three readers of the eCard
 * notice, then readers spread over exchange levels, voltages, multi-slot and vendor-class
 * interfaces. Only readers libccid lists (Info.plist), that can talk T=1 (the eCard is T=1 only),
 * at TPDU or APDU level (libccid does not do T=1 at character level), with one CCID interface.
 */
import { fromHex, parseCcidClassDescriptor, type CcidClassDescriptor } from '../../src/ccid';
import { vidPid } from '../../src/ccid/usb-ids';
import type { ReaderVector } from '../support/corpus';
import type { SupportedReader } from './info-plist';

export type Category = 'ecard-notice' | 'tpdu' | 'short-apdu' | 'extended-apdu' | 'vendor-class' | 'multi-slot' | 'voltage' | 'pin-pad';

export interface ReaderCase {
  readonly vector: ReaderVector;
  readonly descriptor: CcidClassDescriptor;
  readonly categories: readonly Category[];
  /** libccid's name for it (Info.plist ifdFriendlyName). */
  readonly libccidName: string;
  /** Announces a PIN pad (bPINSupport) that no known quirk says is absent or unusable. */
  readonly pinpad: boolean;
  /** Why libccid cannot see a card taken out and put back in this reader, if it cannot. */
  readonly swapsUnseen: string | null;
}

/**
 * Readers whose card changes libccid 1.5.2 does not report: for a GemCore SIM Pro with firmware
 * below 2.00, IFDHICCPresence answers from a status cached at open (src/ifdhandler.c), so pcscd
 * keeps the first card "present" whatever happens in the slot.
 */
function swapsUnseen(vector: ReaderVector): string | null {
  const bcd = parseFloat(vector.bcdDevice ?? '0');
  if (vector.idVendor === 0x08e6 && vector.idProduct === 0x3480 && bcd < 2) {
    return 'libccid 1.5.2 answers card presence for GemCore SIM Pro firmware < 2.00 from a status cached at open (ifdhandler.c IFDHICCPresence)';
  }
  return null;
}

/** The readers of the notice: GemPC Pinpad (TPDU T=1, PIN pad), OMNIKEY 3821 (short APDU, PIN pad), GemPC Twin (TPDU). */
export const NOTICE_READERS = ['GemPCPinpad.txt', 'CardMan3821.txt', 'GemPCTwin.txt'] as const;

/** How many readers of each category join the notice's three (some readers count in several). */
const PER_CATEGORY: Readonly<Record<Exclude<Category, 'ecard-notice'>, number>> = {
  tpdu: 8,
  'short-apdu': 7,
  'extended-apdu': 7,
  'vendor-class': 5,
  'multi-slot': 3,
  voltage: 3,
  'pin-pad': 3,
};

const T1 = 1;

export function planReaders(
  vectors: readonly ReaderVector[],
  supported: readonly SupportedReader[],
  pinpadUsable: (vendorId: number, productId: number) => boolean,
): ReaderCase[] {
  const names = new Map(supported.map((r) => [vidPid(r.vendorId, r.productId), r.name]));
  const blocks = new Map<string, number>();
  for (const v of vectors) blocks.set(v.file, (blocks.get(v.file) ?? 0) + 1);
  const usable = vectors
    .filter((v) => v.block === 0 && blocks.get(v.file) === 1 && names.has(vidPid(v.idVendor, v.idProduct)))
    .map((vector) => ({ vector, descriptor: parseCcidClassDescriptor(fromHex(vector.ccid_class_descriptor_hex)) }))
    .filter(({ descriptor }) => descriptor.protocols.includes(T1) && descriptor.exchangeLevel !== 'character')
    .sort((a, b) => a.vector.file.localeCompare(b.vector.file));
  // One reader per USB id (the corpus has several dumps of some products): the notice's own dump first.
  const byId = new Map<string, (typeof usable)[number]>();
  const noticeFirst = [...usable].sort((a, b) => Number(isNotice(b.vector.file)) - Number(isNotice(a.vector.file)));
  for (const u of noticeFirst) {
    const id = vidPid(u.vector.idVendor, u.vector.idProduct);
    if (!byId.has(id)) byId.set(id, u);
  }
  const unique = usable.filter((u) => byId.get(vidPid(u.vector.idVendor, u.vector.idProduct)) === u);

  const chosen = new Map<string, Category[]>();
  const choose = (file: string, category: Category) => chosen.set(file, [...(chosen.get(file) ?? []), category]);
  for (const file of NOTICE_READERS) {
    if (!unique.some((u) => u.vector.file === file)) throw new Error(`${file}: not usable with libccid's list`);
    choose(file, 'ecard-notice');
  }
  const withPad = (u: (typeof unique)[number]) => u.descriptor.bPINSupport !== 0 && pinpadUsable(u.vector.idVendor, u.vector.idProduct);
  const members: Readonly<Record<Exclude<Category, 'ecard-notice'>, (u: (typeof unique)[number]) => boolean>> = {
    tpdu: (u) => u.descriptor.exchangeLevel === 'tpdu' && u.vector.interface.bInterfaceClass === 0x0b,
    'short-apdu': (u) => u.descriptor.exchangeLevel === 'shortApdu' && u.vector.interface.bInterfaceClass === 0x0b,
    'extended-apdu': (u) => u.descriptor.exchangeLevel === 'extendedApdu' && u.vector.interface.bInterfaceClass === 0x0b,
    'vendor-class': (u) => u.vector.interface.bInterfaceClass === 0xff,
    'multi-slot': (u) => u.descriptor.slotCount > 1,
    // Readers that cannot power a card at 5 V: libccid must pick the voltage the descriptor offers.
    voltage: (u) => u.descriptor.voltages.length > 0 && !u.descriptor.voltages.includes('5.0V'),
    'pin-pad': withPad,
  };
  for (const [category, count] of Object.entries(PER_CATEGORY) as [Exclude<Category, 'ecard-notice'>, number][]) {
    const pool = unique.filter((u) => members[category](u) && !chosen.has(u.vector.file));
    for (const u of spread(pool, count)) choose(u.vector.file, category);
  }
  return unique
    .filter((u) => chosen.has(u.vector.file))
    .map((u) => ({
      ...u,
      categories: chosen.get(u.vector.file) ?? [],
      libccidName: names.get(vidPid(u.vector.idVendor, u.vector.idProduct)) ?? '',
      pinpad: withPad(u),
      swapsUnseen: swapsUnseen(u.vector),
    }))
    .sort((a, b) => order(a) - order(b) || a.vector.file.localeCompare(b.vector.file));
}

/** `count` members evenly spaced through the (sorted) pool, so vendors are spread. */
function spread<T>(pool: readonly T[], count: number): T[] {
  if (pool.length <= count) return [...pool];
  return Array.from({ length: count }, (_, i) => pool[Math.floor((i * pool.length) / count)] as T);
}

function isNotice(file: string): boolean {
  return (NOTICE_READERS as readonly string[]).includes(file);
}

function order(c: ReaderCase): number {
  const notice = NOTICE_READERS.indexOf(c.vector.file as (typeof NOTICE_READERS)[number]);
  return notice >= 0 ? notice : NOTICE_READERS.length;
}


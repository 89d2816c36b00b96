import { describe, expect, it } from 'vitest';
import { pcscNameParts, sameReader } from './transport-choice';

const GEMPC_PINPAD = { vendorId: 0x08e6, productId: 0x3478, manufacturerName: 'Gemalto', productName: 'USB Gemalto PC Pinpad Smart Card Reader', serialNumber: null };
const OMNIKEY = { vendorId: 0x076b, productId: 0x3821, manufacturerName: 'HID Global', productName: 'OMNIKEY 3821 Smart Card Reader', serialNumber: 'A1B2C3' };

describe('pcsc-lite reader names', () => {
  it('splits label, [interface], (serial) and the index / slot suffix', () => {
    expect(pcscNameParts('HID Global OMNIKEY 3821 Smart Card Reader [OMNIKEY 3821] (A1B2C3) 01 00')).toEqual({
      label: 'HID Global OMNIKEY 3821 Smart Card Reader',
      iface: 'OMNIKEY 3821',
      serial: 'A1B2C3',
    });
    expect(pcscNameParts('Gemalto USB Gemalto PC Pinpad Smart Card Reader 00 00')).toEqual({ label: 'Gemalto USB Gemalto PC Pinpad Smart Card Reader', iface: null, serial: null });
    expect(pcscNameParts('Virtual PCD 00 01').label).toBe('Virtual PCD');
  });
});

describe('the same reader over WebUSB and PC/SC', () => {
  it('by VID:PID when the PC/SC reader tells it (part 10 GET_TLV_PROPERTIES)', () => {
    expect(sameReader(GEMPC_PINPAD, { name: 'anything the driver chose 00 00', vendorId: 0x08e6, productId: 0x3478 })).toBe(true);
    expect(sameReader(GEMPC_PINPAD, { name: 'Gemalto USB Gemalto PC Pinpad Smart Card Reader 00 00', vendorId: 0x08e6, productId: 0x3479 })).toBe(false);
  });

  it('two readers of one model are told apart by the serial number in the name', () => {
    expect(sameReader(OMNIKEY, { name: 'HID Global OMNIKEY 3821 Smart Card Reader (A1B2C3) 00 00', vendorId: 0x076b, productId: 0x3821 })).toBe(true);
    expect(sameReader(OMNIKEY, { name: 'HID Global OMNIKEY 3821 Smart Card Reader (FFFFFF) 01 00', vendorId: 0x076b, productId: 0x3821 })).toBe(false);
  });

  it('by the USB strings when the PC/SC reader does not tell its VID:PID', () => {
    expect(sameReader(GEMPC_PINPAD, { name: 'Gemalto USB Gemalto PC Pinpad Smart Card Reader 00 00', vendorId: null, productId: null })).toBe(true);
    expect(sameReader(OMNIKEY, { name: 'OMNIKEY 3821 Smart Card Reader [OMNIKEY 3821] (A1B2C3) 00 00', vendorId: null, productId: null })).toBe(true);
    expect(sameReader(GEMPC_PINPAD, { name: 'Gemalto PC Twin Reader 00 00', vendorId: null, productId: null })).toBe(false);
  });
});

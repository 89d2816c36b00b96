/** Types of tests/qemu/usbmon-pcap.mjs for the TypeScript suites. */
export declare const LINKTYPE_USB_LINUX_MMAPPED: 220;
export declare const XFER: Readonly<{ isochronous: 0; interrupt: 1; control: 2; bulk: 3 }>;
export declare class PcapFormatError extends Error {
  readonly what: string;
  readonly offset: number;
  readonly expected: string;
  readonly got: string;
}
export interface UsbmonRecord {
  readonly event: 'S' | 'C' | 'E';
  readonly xferType: number;
  readonly endpoint: number;
  readonly device: number;
  readonly status: number;
  readonly length: number;
  readonly setup: Uint8Array | null;
  readonly data: Uint8Array;
}
export declare function parseUsbmonPcap(bytes: Uint8Array): UsbmonRecord[];
export declare function countBulkTransfers(records: readonly UsbmonRecord[]): { out: number; in: number; failed: number };
export declare function bulkTransfersPerCommand(records: readonly UsbmonRecord[]): { messageType: number; transfers: number }[];
export declare function bulkTraffic(records: readonly UsbmonRecord[]): { transfers: number; bytes: number };

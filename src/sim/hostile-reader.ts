/**
 * A hostile reader (issue 6 §3): a virtual reader whose firmware lies on demand — wrong bSeq or bSlot,
 * a dwLength that is not the length sent, wrong or non-CCID message types, garbage, endless time
 * extensions — and that sends data nobody asked for on bulk-IN and on the interrupt pipe.
 * The lies are pure rewrites of the frames the firmware would send (AnswerPlan.rewrite).
 */
import { concatBytes } from '../ccid/bytes';
import { encodeResponse, HEADER_LENGTH, type ResponseFields } from '../ccid/messages';
import type { AnswerPlan } from './ccid-firmware';
import { createVirtualReader, type VirtualReader, type VirtualReaderOptions } from './virtual-reader';

/** One rewrite of an RDR_to_PC frame. */
export type Lie = (frame: Uint8Array) => Uint8Array;

function withByte(frame: Uint8Array, offset: number, value: number): Uint8Array {
  const out = frame.slice();
  out[offset] = value;
  return out;
}

/** Pure frame rewrites; offsets per CCID 1.1 §6.2 (bMessageType 0, dwLength 1..4, bSlot 5, bSeq 6, bStatus 7). */
export const lies = {
  /** bSeq + `by` (mod 256): never the bSeq of the command answered. */
  seq: (by: number): Lie => (frame) => withByte(frame, 6, ((frame[6] ?? 0) + by) & 0xff),
  slot: (slot: number): Lie => (frame) => withByte(frame, 5, slot),
  /** dwLength replaced by `value(actual)`, the bytes sent left as they are. */
  dwLength: (value: (actual: number) => number): Lie => (frame) => {
    const out = frame.slice();
    new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(1, value(frame.length - HEADER_LENGTH) >>> 0, true);
    return out;
  },
  messageType: (code: number): Lie => (frame) => withByte(frame, 0, code),
  garbageAfter: (garbage: Uint8Array): Lie => (frame) => concatBytes([frame, garbage]),
  garbageInstead: (garbage: Uint8Array): Lie => () => garbage.slice(),
  /** Applies `lie` to time extensions only (bmCommandStatus 2, CCID 1.1 §6.2.6). */
  onTimeExtensions: (lie: Lie): Lie => (frame) => (((frame[7] ?? 0) >> 6) === 2 ? lie(frame) : frame),
} as const;

/** Which bSeq an unsolicited frame carries, relative to the host's next command. */
export type StraySeq = 'old' | 'next' | 'future';

export interface HostileReader extends VirtualReader {
  /** Lies on every answer from now on (also on the answers to an abort), or only on the next `count` commands. */
  misbehave(plan: Partial<AnswerPlan>, count?: number): void;
  /** Stops the lies that `misbehave` without a count started. */
  behave(): void;
  /** Queues RDR_to_PC frames on bulk-IN that answer no command, as a reader does between commands. */
  sendUnsolicited(count: number, seq: StraySeq, fields?: ResponseFields): void;
  /** Queues raw bytes on the interrupt pipe. */
  sendInterrupt(message: Uint8Array): void;
}

export function createHostileReader(options: VirtualReaderOptions): HostileReader {
  const reader = createVirtualReader(options);
  return Object.assign(reader, {
    misbehave(plan: Partial<AnswerPlan>, count?: number) {
      if (count === undefined) reader.firmware.planEveryAnswer(plan);
      else for (let i = 0; i < count; i++) reader.firmware.planNextAnswer(plan);
    },
    behave() {
      reader.firmware.planEveryAnswer({});
    },
    sendUnsolicited(count: number, seq: StraySeq, fields: ResponseFields = { type: 'SlotStatus' }) {
      const next = ((reader.firmware.lastSeq ?? -1) + 1) & 0xff;
      const bSeq = seq === 'old' ? (next + 255) & 0xff : seq === 'next' ? next : (next + 7) & 0xff;
      const frame = encodeResponse(fields, { slot: 0, seq: bSeq, iccStatus: 'active', commandStatus: 'ok', error: 0 });
      const { bulkIn } = reader.firmware.endpoints;
      for (let i = 0; i < count; i++) reader.device.queueIn(bulkIn, frame);
    },
    sendInterrupt(message: Uint8Array) {
      const { interruptIn } = reader.firmware.endpoints;
      if (interruptIn === null) throw new RangeError('the hostile reader has no interrupt IN endpoint');
      reader.device.queueIn(interruptIn, message);
    },
  });
}

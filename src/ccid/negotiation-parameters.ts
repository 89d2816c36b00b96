/**
 * abProtocolDataStructure of PC_to_RDR_SetParameters / RDR_to_PC_Parameters, USB CCID 1.1 §6.1.7
 * (Table 6.1-4 for T=0, 5 bytes; Table 6.1-5 for T=1, 7 bytes). Pure codec.
 */
import { type Layout, readLayout, writeLayout, layoutSize } from './bytes';
import { MalformedDataError } from './errors';
import { CLOCK_STOP, byteHex, type ClockStop, type Convention, type Edc } from './atr';

const T0_LAYOUT = {
  bmFindexDindex: [0, 'u8'],
  bmTCCKST0: [1, 'u8'],
  bGuardTimeT0: [2, 'u8'],
  bWaitingIntegerT0: [3, 'u8'],
  bClockStop: [4, 'u8'],
} as const satisfies Layout;

const T1_LAYOUT = {
  bmFindexDindex: [0, 'u8'],
  bmTCCKST1: [1, 'u8'],
  bGuardTimeT1: [2, 'u8'],
  bmWaitingIntegersT1: [3, 'u8'],
  bClockStop: [4, 'u8'],
  bIFSC: [5, 'u8'],
  bNadValue: [6, 'u8'],
} as const satisfies Layout;

/** bmTCCKST0/1: b1 = inverse convention; bmTCCKST1 also has b0 = CRC and b7..b2 = 000100b. */
const TCCKS_INVERSE = 0x02;
const TCCKST1_FIXED = 0x10;
const TCCKST1_CRC = 0x01;

interface CommonData {
  /** TA1-style Fi/Di codes. */
  readonly findexDindex: number;
  readonly convention: Convention;
  /** Extra guard time N (TC1). */
  readonly guardTimeN: number;
  readonly clockStop: ClockStop;
}
export interface T0ProtocolData extends CommonData {
  readonly protocol: 0;
  readonly wi: number;
}
export interface T1ProtocolData extends CommonData {
  readonly protocol: 1;
  readonly edc: Edc;
  readonly bwi: number;
  readonly cwi: number;
  readonly ifsc: number;
  readonly nad: number;
}
export type ProtocolData = T0ProtocolData | T1ProtocolData;

export function encodeProtocolData(data: ProtocolData): Uint8Array {
  const inverse = data.convention === 'inverse' ? TCCKS_INVERSE : 0;
  const clockStop = CLOCK_STOP.indexOf(data.clockStop);
  if (data.protocol === 0) {
    const out = new Uint8Array(layoutSize(T0_LAYOUT));
    writeLayout(
      T0_LAYOUT,
      { bmFindexDindex: data.findexDindex, bmTCCKST0: inverse, bGuardTimeT0: data.guardTimeN, bWaitingIntegerT0: data.wi, bClockStop: clockStop },
      out,
    );
    return out;
  }
  const out = new Uint8Array(layoutSize(T1_LAYOUT));
  writeLayout(
    T1_LAYOUT,
    {
      bmFindexDindex: data.findexDindex,
      bmTCCKST1: TCCKST1_FIXED | inverse | (data.edc === 'crc' ? TCCKST1_CRC : 0),
      bGuardTimeT1: data.guardTimeN,
      bmWaitingIntegersT1: (data.bwi << 4) | (data.cwi & 0x0f),
      bClockStop: clockStop,
      bIFSC: data.ifsc,
      bNadValue: data.nad,
    },
    out,
  );
  return out;
}

/** Decodes the structure for `protocol` (bProtocolNum); every reserved bit pattern is a typed error. */
export function decodeProtocolData(protocol: number, bytes: Uint8Array): ProtocolData {
  const what = `T=${protocol} protocol data`;
  if (protocol !== 0 && protocol !== 1) throw new MalformedDataError('bProtocolNum', 0, '0 (T=0) or 1 (T=1)', String(protocol));
  const size = layoutSize(protocol === 0 ? T0_LAYOUT : T1_LAYOUT);
  if (bytes.length !== size) throw new MalformedDataError(what, 0, `${size} bytes`, `${bytes.length} bytes`);
  const clockStopAt = 4;
  const clockStop = CLOCK_STOP[bytes[clockStopAt] ?? 0];
  if (clockStop === undefined) throw new MalformedDataError(`${what} bClockStop`, clockStopAt, '0x00..0x03', byteHex(bytes[clockStopAt] ?? 0));

  if (protocol === 0) {
    const f = readLayout(T0_LAYOUT, bytes);
    if ((f.bmTCCKST0 & ~TCCKS_INVERSE) !== 0) throw new MalformedDataError(`${what} bmTCCKST0`, 1, '0x00 or 0x02', byteHex(f.bmTCCKST0));
    return {
      protocol: 0,
      findexDindex: f.bmFindexDindex,
      convention: f.bmTCCKST0 & TCCKS_INVERSE ? 'inverse' : 'direct',
      guardTimeN: f.bGuardTimeT0,
      wi: f.bWaitingIntegerT0,
      clockStop,
    };
  }
  const f = readLayout(T1_LAYOUT, bytes);
  if ((f.bmTCCKST1 & ~(TCCKS_INVERSE | TCCKST1_CRC)) !== TCCKST1_FIXED) {
    throw new MalformedDataError(`${what} bmTCCKST1`, 1, '0x10..0x13', byteHex(f.bmTCCKST1));
  }
  return {
    protocol: 1,
    findexDindex: f.bmFindexDindex,
    convention: f.bmTCCKST1 & TCCKS_INVERSE ? 'inverse' : 'direct',
    edc: f.bmTCCKST1 & TCCKST1_CRC ? 'crc' : 'lrc',
    guardTimeN: f.bGuardTimeT1,
    bwi: f.bmWaitingIntegersT1 >> 4,
    cwi: f.bmWaitingIntegersT1 & 0x0f,
    clockStop,
    ifsc: f.bIFSC,
    nad: f.bNadValue,
  };
}

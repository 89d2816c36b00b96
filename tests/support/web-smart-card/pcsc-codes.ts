/**
 * PC/SC numbers as pcsc-lite defines them (pcsclite.h, reader.h; the same values python3-pyscard
 * exposes). The Web Smart Card API stand-ins speak these to their backends, as the browser does to
 * the platform's PC/SC stack. Note pcsc-lite's SCARD_E_UNSUPPORTED_FEATURE is 0x8010001F (the value
 * Windows uses for SCARD_E_UNEXPECTED).
 */
export const SCARD = {
  S_SUCCESS: 0,
  E_CANCELLED: 0x80100002,
  E_INVALID_HANDLE: 0x80100003,
  E_INVALID_PARAMETER: 0x80100004,
  E_INSUFFICIENT_BUFFER: 0x80100008,
  E_UNKNOWN_READER: 0x80100009,
  E_TIMEOUT: 0x8010000a,
  E_SHARING_VIOLATION: 0x8010000b,
  E_NO_SMARTCARD: 0x8010000c,
  E_PROTO_MISMATCH: 0x8010000f,
  E_NOT_READY: 0x80100010,
  E_INVALID_VALUE: 0x80100011,
  E_SYSTEM_CANCELLED: 0x80100012,
  F_COMM_ERROR: 0x80100013,
  E_NOT_TRANSACTED: 0x80100016,
  E_READER_UNAVAILABLE: 0x80100017,
  P_SHUTDOWN: 0x80100018,
  E_NO_SERVICE: 0x8010001d,
  E_SERVICE_STOPPED: 0x8010001e,
  E_UNSUPPORTED_FEATURE: 0x8010001f,
  E_NO_READERS_AVAILABLE: 0x8010002e,
  E_SERVER_TOO_BUSY: 0x80100031,
  W_UNSUPPORTED_CARD: 0x80100065,
  W_UNRESPONSIVE_CARD: 0x80100066,
  W_UNPOWERED_CARD: 0x80100067,
  W_RESET_CARD: 0x80100068,
  W_REMOVED_CARD: 0x80100069,
} as const;

export const SHARE = { exclusive: 1, shared: 2, direct: 3 } as const;
export const PROTOCOL = { undefined: 0, t0: 1, t1: 2, raw: 4 } as const;
export const DISPOSITION = { leave: 0, reset: 1, unpower: 2, eject: 3 } as const;
/** INFINITE for SCardGetStatusChange. */
export const INFINITE = 0x7fffffff;

/** SCARD_STATE_* (dwCurrentState / dwEventState, low word). */
export const STATE = {
  unaware: 0x0,
  ignore: 0x1,
  changed: 0x2,
  unknown: 0x4,
  unavailable: 0x8,
  empty: 0x10,
  present: 0x20,
  atrmatch: 0x40,
  exclusive: 0x80,
  inuse: 0x100,
  mute: 0x200,
  unpowered: 0x400,
} as const;

/** SCardStatus() dwState bits on pcsc-lite (they combine: specific ⊂ powered ⊂ present). */
export const CARD = { unknown: 0x1, absent: 0x2, present: 0x4, swallowed: 0x8, powered: 0x10, negotiable: 0x20, specific: 0x40 } as const;

/** SCARD_ATTR_ATR_STRING (pcsc-lite reader.h). */
export const ATTR_ATR_STRING = 0x00090303;
/** IOCTL_SMARTCARD_VENDOR_IFD_EXCHANGE = SCARD_CTL_CODE(1): refused by the Smart Card Connector and by libccid for most readers. */
export const IOCTL_VENDOR_IFD_EXCHANGE = 0x42000001;
/** libccid's control codes for part 10 features: SCARD_CTL_CODE(0x330000 + feature tag). */
export const libccidFeatureCode = (feature: number): number => 0x42330000 + feature;

export const hex32 = (code: number): string => `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;

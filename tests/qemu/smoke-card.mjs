// A tiny T=0 card for the harness smoke test (the real suite plugs in src/sim card models).
// SELECT by AID → 61 0A (ISO/IEC 7816-4 §5.1.3: 10 response bytes available); GET RESPONSE → those
// bytes + 90 00, or 6C 0A when Le is wrong; any other instruction → 6D 00.
const FCI = Uint8Array.of(0x6f, 0x08, 0x84, 0x06, 0x45, 0x43, 0x41, 0x52, 0x44, 0x31); // 6F { 84 "ECARD1" }

/** @returns {import('./vscard-peer.mjs').VscardCard} */
export function createSmokeCard() {
  return {
    atr: Uint8Array.of(0x3b, 0x02, 0x14, 0x50), // T=0 implied, 2 historical bytes
    transmitApdu(apdu) {
      const ins = apdu[1];
      if (ins === 0xa4) return Uint8Array.of(0x61, FCI.length);
      if (ins === 0xc0) {
        return apdu[4] === FCI.length ? Uint8Array.of(...FCI, 0x90, 0x00) : Uint8Array.of(0x6c, FCI.length);
      }
      return Uint8Array.of(0x6d, 0x00);
    },
  };
}

// npm run test:libccid — corpus readers as USB devices of a real Linux kernel, judged by the
// reference CCID driver: boots the cached guest (no usb-ccid), where dist-node/guest-libccid.mjs
// exports the readers over USB/IP on the guest's own 127.0.0.1, attaches them through vhci-hcd and
// runs pcscd + libccid (through pyscard) and our own driver (node-usb) on them. Prints the guest's
// test lines, then the tables: readers per exchange level, PC_to_RDR_Secure ours vs libccid, the
// peer table (USB transfers, bytes, time per APDU), the USB faults.
// Last line: "libccid: N passed, M failed" (exit 1 when M > 0) or "libccid: skipped — reason".
// Flags: --optional (as test:qemu), --verbose (guest console), --peer-only (only the peer table: npm run bench:peer).
import { runGuest } from '../tests/qemu/run.mjs';
import { endGuestSuite, prepareGuest } from '../tests/qemu/prepare.mjs';

const optional = process.argv.includes('--optional');
const verbose = process.argv.includes('--verbose');
const peerOnly = process.argv.includes('--peer-only');
const NAME = peerOnly ? 'libccid peer' : 'libccid';

const started = Date.now();
const prepared = await prepareGuest({ name: NAME, optional });
const result = await runGuest({
  guestDir: prepared.guestDir,
  script: 'dist-node/guest-libccid.mjs',
  args: peerOnly ? ['--peer-only'] : [],
  usbCcid: false,
  memoryMb: 1024,
  cpus: 2,
  timeoutMs: 25 * 60_000,
  verbose,
});

const lines = result.output.split('\n');
/** @param {string} kind */
const data = (kind) => lines.filter((l) => l.startsWith(`LIBCCID-${kind} `)).map((l) => JSON.parse(l.slice(`LIBCCID-${kind} `.length)));
for (const line of lines) if (!/^LIBCCID-(READER|PLAN|SECURE|PEER|FAULT|NOTE) /.test(line) && line.trim()) console.log(line);
for (const note of data('NOTE')) console.log(`note: ${note.file}: ${note.note}`);

const readers = data('READER');
if (readers.length > 0) {
  console.log('\nReaders judged by libccid, per exchange level (all checks passed / judged):');
  for (const level of ['tpdu', 'shortApdu', 'extendedApdu']) {
    const at = readers.filter((r) => r.level === level);
    console.log(`  ${level.padEnd(13)} ${at.filter((r) => r.ok).length}/${at.length}` +
      `  (vendor class 0xFF: ${at.filter((r) => r.interfaceClass === 0xff).length}, multi-slot: ${at.filter((r) => r.slots > 1).length}, PIN pad: ${at.filter((r) => r.pinpad).length})`);
  }
}
const secure = data('SECURE');
if (secure.length > 0) {
  console.log('\nPC_to_RDR_Secure, our driver vs libccid, same request (bSeq aside):');
  for (const s of secure) {
    const diff = s.ours.startsWith('none') ? `neither driver sends one: ours ${s.ours}, libccid ${s.libccid}`
      : s.differences.length === 0 ? 'identical'
      : s.differences.map((d) => `${d.name} ours ${d.ours} / libccid ${d.theirs}${d.explained ? ` (${d.explained})` : ' (UNEXPLAINED)'}`).join('; ');
    console.log(`  ${s.reader.replace(/\.txt$/, '').padEnd(44)} ${s.operation.padEnd(7)} ${diff}`);
    if (!s.ours.startsWith('none')) console.log(`    ours    ${s.ours}\n    libccid ${s.libccid}`);
  }
}
for (const runs of data('PEER')) {
  console.log('\nPeer table (same APDU script × 25 on the same exported reader; transfers and bytes from a usbmon capture in the guest;');
  console.log('time: median of one APDU — ours around slot.transmit, libccid around SCardTransmit inside the pyscard bridge):');
  for (const r of runs) {
    console.log(`  ${r.driver.padEnd(8)} ${r.reader.padEnd(13)} ${String(r.transfers).padStart(5)} transfers/APDU  ${String(Math.round(r.bytes)).padStart(5)} bytes/APDU  ${r.msPerApdu.toFixed(1).padStart(7)} ms/APDU`);
  }
  for (const ours of runs.filter((r) => r.driver === 'ours')) {
    const theirs = runs.find((r) => r.driver === 'libccid' && r.file === ours.file);
    if (theirs) console.log(`  ${ours.file}: time libccid/ours ${(theirs.msPerApdu / ours.msPerApdu).toFixed(2)}×, transfers ${theirs.transfers}/${ours.transfers}, bytes ${Math.round(theirs.bytes)}/${Math.round(ours.bytes)}`);
  }
}
for (const faults of data('FAULT')) {
  console.log('\nUSB faults (GemPC Pinpad, TPDU T=1):');
  for (const f of faults) console.log(`  ${f.fault.padEnd(12)} ${f.driver.padEnd(8)} during: ${f.during} (${Math.round(f.ms)} ms); after: ${f.after}; unlinked URBs ${f.unlinked}`);
}

endGuestSuite({ name: NAME, prefix: 'LIBCCID', lines, prepared, result, startedAt: started });

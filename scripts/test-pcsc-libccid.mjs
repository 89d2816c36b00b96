// npm run test:pcsc-libccid — the Web Smart Card API over REAL pcsc-lite + libccid: boots the cached
// guest (no usb-ccid) once, where dist-node/guest-pcsc.mjs exports GemPC Pinpad, OMNIKEY 3821 and
// GemPC Twin over USB/IP on the guest's own 127.0.0.1, attaches them through vhci-hcd, runs pcscd +
// libccid and the pyscard bridge, and drives src/pcsc + src/flows through the API stand-in
// (tests/pcsc-bridge/README.md). Prints the guest's test lines, then: the feature TLV, the PIN
// structures as sent and libccid's PC_to_RDR_Secure for each, the card ledgers, the PIN pad
// refusals, removal / swap / unplug, the vanished reader's handle, card event times, the sharing
// violation's text.
// Last line: "pcsc-libccid: N passed, M failed" (exit 1 when M > 0) or "pcsc-libccid: skipped — reason".
// Flags: --optional (as test:libccid), --verbose (guest console), --only GemPCTwin.txt,… (some readers).
import { runGuest } from '../tests/qemu/run.mjs';
import { endGuestSuite, prepareGuest } from '../tests/qemu/prepare.mjs';

const NAME = 'pcsc-libccid';
const PREFIX = 'PCSCLIBCCID';
const optional = process.argv.includes('--optional');
const verbose = process.argv.includes('--verbose');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? ['--only', process.argv[onlyAt + 1] ?? ''] : [];

const started = Date.now();
const prepared = await prepareGuest({ name: NAME, optional });
const result = await runGuest({
  guestDir: prepared.guestDir,
  script: 'dist-node/guest-pcsc.mjs',
  args: only,
  usbCcid: false,
  memoryMb: 1024,
  cpus: 2,
  timeoutMs: 10 * 60_000,
  verbose,
});

const lines = result.output.split('\n');
const DATA = new RegExp(`^${PREFIX}-(?!TEST |SUITE )[A-Z]+ `);
/** @param {string} kind */
const data = (kind) => lines.filter((l) => l.startsWith(`${PREFIX}-${kind} `)).map((l) => JSON.parse(l.slice(`${PREFIX}-${kind} `.length)));
for (const line of lines) if (!DATA.test(line) && line.trim()) console.log(line);

const features = data('FEATURES');
if (features.length > 0) {
  console.log('\nCM_IOCTL_GET_FEATURE_REQUEST (0x42000D48), as libccid answered it:');
  for (const f of features) console.log(`  ${f.reader.padEnd(12)} ${f.tlv}\n${f.features.map((/** @type {string} */ d) => `  ${''.padEnd(12)}   ${d}`).join('\n')}`);
}
const pins = data('PIN');
if (pins.length > 0) {
  console.log('\nPIN structures through control(), as src/pcsc sent them, and the PC_to_RDR_Secure libccid made of each:');
  for (const p of pins) {
    const changed = p.changed.length === 0 ? 'every field carried over unchanged' : p.changed.map((/** @type {{ name: string, structure: string, secure: string }} */ c) => `${c.name} ${c.structure} → ${c.secure}`).join('; ');
    console.log(`  ${p.reader} ${p.operation} (control 0x${p.code.replace(/^0x/, '')}; answer ${p.answer})`);
    console.log(`    structure ${p.structure}\n      ${p.decoded}`);
    console.log(`    Secure    ${p.secure}\n      ${p.secureDecoded}`);
    console.log(`    libccid changed: ${changed} (bTimerOut2 and ulDataLength have no place in the Secure block)`);
  }
}
const ledgers = data('LEDGER');
if (ledgers.length > 0) {
  console.log('\nCard ledger after the notice (INS, result, tries left):');
  for (const l of ledgers) console.log(`  ${l.reader.padEnd(12)} ${l.pinpad ? 'PIN pad      ' : 'screen keypad'}  ${l.ledger.join(', ')}; tries left ${l.triesLeft}; PIN is the new one: ${l.pin4821}`);
}
for (const r of data('REFUSALS')) console.log(`\nPIN pad cancel / timeout on ${r.reader}: libccid answered ${r.answers.map((/** @type {{ code: number, dataHex: string }} */ a) => `${a.code === 0 ? 'SCARD_S_SUCCESS' : a.code} + ${a.dataHex}`).join(' / ')} (bError EF / F0 turned into SW 6401 / 6400)`);
const removals = data('REMOVAL');
if (removals.length > 0) {
  console.log('\nCard removed / swapped while the PIN was asked:');
  for (const r of removals) console.log(`  ${r.reader.padEnd(12)} PIN entries answered: ${r.pinEntryAnswers.join(', ') || '(screen keypad: none)'}; slot saw: ${r.trace.map((/** @type {string} */ t) => t.replace(/^pcsc \d+ /, '')).join(', ')}`);
}
const events = data('EVENTS');
if (events.length > 0) {
  console.log('\nCard events through getStatusChange (virtual reader moves the card → pcscd reports it), ms:');
  for (const e of events) console.log(`  ${e.reader.padEnd(12)} insert ${e.insertMs.join(' / ')}   remove ${e.removeMs.join(' / ')}`);
}
const unplugs = data('UNPLUG');
if (unplugs.length > 0) {
  console.log('\nReader unplugged mid-operation:');
  for (const u of unplugs) console.log(`  ${u.reader.padEnd(12)} while the ${u.where.padEnd(13)} asked → ${u.code}; ledger ${u.ledger}; slot: ${u.trace.filter((/** @type {string} */ t) => /failed|gone|card/.test(t)).map((/** @type {string} */ t) => t.replace(/^pcsc \d+ /, '')).join(', ')}`);
  const shown = unplugs[0];
  console.log(`  shown: "${shown.ro}" / "${shown.en}"`);
}
for (const v of data('VANISHED')) {
  const { reader, ...answers } = v;
  console.log(`\nA handle of a reader pcscd dropped (${reader}): ${Object.entries(answers).map(([call, answer]) => `${call} ${answer}`).join(', ')}`);
}
const sharing = data('SHARING');
if (sharing.length > 0) console.log(`\nAnother application holding the reader exclusively → sharing-violation, shown as:\n  ro: ${sharing[0].ro}\n  en: ${sharing[0].en}`);

endGuestSuite({ name: NAME, prefix: PREFIX, lines, prepared, result, startedAt: started });

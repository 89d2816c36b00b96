/**
 * The `ecard-pin` command (Node, node-usb). `ecard-pin probe` lists the CCID readers on this
 * machine and what the project's driver sees on each. Exit code: 0 all readers probed, 1 no CCID
 * reader found, 2 a reader could not be probed (busy, access denied, ...), 64 bad usage.
 */
import { findCcidCandidates, type CcidCandidate } from './node-usb';
import { describeError, formatReader, probeReader } from './probe';
import { vidPid } from '../src/ccid/usb-ids';
import { corpusReaderName } from './reader-names';

const USAGE = 'usage: ecard-pin probe\n  Lists the USB smart card readers and what the eCard PIN driver sees on each.';

async function probeAll(): Promise<number> {
  const candidates = findCcidCandidates();
  if (candidates.length === 0) {
    console.log('ecard-pin probe: no USB smart card (CCID) reader found');
    return 1;
  }
  console.log(`ecard-pin probe: ${candidates.length} CCID reader${candidates.length === 1 ? '' : 's'}`);
  let failed = 0;
  for (const [index, candidate] of candidates.entries()) {
    if (!(await probeCandidate(index + 1, candidate))) failed++;
  }
  return failed === 0 ? 0 : 2;
}

async function probeCandidate(number: number, candidate: CcidCandidate): Promise<boolean> {
  const id = vidPid(candidate.vendorId, candidate.productId);
  const place = `bus ${candidate.busNumber} device ${candidate.deviceAddress}`;
  let device: USBDevice;
  try {
    device = await candidate.open();
  } catch (error) {
    console.log(`reader ${number}: ${id} (${place})`);
    printCorpusName(candidate);
    console.log(`  error: ${describeError(error)}`);
    return false;
  }
  const ownName = [device.manufacturerName, device.productName].filter(Boolean).join(' ');
  console.log(`reader ${number}: ${id} ${ownName ? `"${ownName}"` : '(no name strings)'} (${place})`);
  printCorpusName(candidate);
  try {
    for (const line of formatReader(await probeReader(device))) console.log(line);
    return true;
  } catch (error) {
    console.log(`  error: ${describeError(error)}`);
    return false;
  }
}

function printCorpusName(candidate: CcidCandidate): void {
  const name = corpusReaderName(candidate.vendorId, candidate.productId);
  console.log(`  corpus name: ${name ?? '(VID:PID not in the reader corpus)'}`);
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command !== 'probe' || rest.length > 0) {
    console.error(USAGE);
    return 64;
  }
  return probeAll();
}

// node-usb keeps the event loop alive while a transfer (the interrupt pipe) is in flight: exit explicitly.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`ecard-pin: ${describeError(error)}`);
    process.exit(70);
  },
);

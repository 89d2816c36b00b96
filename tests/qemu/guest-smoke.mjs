// Runs INSIDE the QEMU guest (node /mnt/repo/tests/qemu/guest-smoke.mjs): raw CCID over node-usb's
// WebUSB, no project driver. Proves the path host peer ⇄ QEMU usb-ccid ⇄ guest kernel ⇄ libusb.
// Prints "SMOKE <key> <value>" lines the host can grep; exit code 0 = every step answered as expected.
// Writing "@@host remove-card" / "@@host insert-card" on stdout makes run.mjs act on the VSCard peer.
import { WebUSB } from 'usb';

const QEMU_CCID = { vendorId: 0x08e6, productId: 0x4433 };
// T=0 case 4 done as case 3 + GET RESPONSE (ISO/IEC 7816-3 §12.2.4; 7816-4 §5.3.4: 61xx)
const SELECT_AID = Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x07, 0xa0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10);

const hex = (/** @type {Uint8Array} */ bytes) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const report = (/** @type {string} */ key, /** @type {string} */ value) => console.log(`SMOKE ${key} ${value}`);
/** @param {string} what @returns {never} */
function fail(what) {
  throw new Error(`check failed: ${what}`);
}
/** @param {boolean} ok @param {string} what */
function check(ok, what) {
  if (!ok) fail(what);
}
/** @param {DataView | undefined} view */
const bytesOf = (view) => (view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : new Uint8Array(0));

const webusb = new WebUSB({ allowAllDevices: true });
const devices = await webusb.getDevices();
report('devices', devices.map((d) => `${d.vendorId.toString(16)}:${d.productId.toString(16)}`).join(','));
const device = devices.find((d) => d.vendorId === QEMU_CCID.vendorId && d.productId === QEMU_CCID.productId)
  ?? fail('QEMU USB CCID 08e6:4433 present');
report('product', `${device.manufacturerName ?? '?'} / ${device.productName ?? '?'}`);
await device.open();

// Standard GET_DESCRIPTOR(CONFIGURATION): WebUSB hides class descriptors (USB 2.0 §9.4.3).
/** @param {number} length */
const getConfiguration = async (length) => {
  const result = await device.controlTransferIn(
    { requestType: 'standard', recipient: 'device', request: 6, value: 0x0200, index: 0 }, length);
  check(result.status === 'ok', `GET_DESCRIPTOR status ${result.status}`);
  return bytesOf(result.data);
};
const head = await getConfiguration(9);
check(head.length === 9, `9-byte configuration descriptor head, got ${hex(head)}`);
const totalLength = new DataView(head.buffer, head.byteOffset).getUint16(2, true);
const config = await getConfiguration(totalLength);
check(config.length === totalLength, `configuration length ${config.length} = wTotalLength ${totalLength}`);
report('config-descriptor', hex(config));

const ccidAt = findDescriptor(config, 0x21);
check(ccidAt >= 0 && config[ccidAt] === 54, 'a 54-byte CCID class descriptor (type 0x21)');
const ccid = new DataView(config.buffer, config.byteOffset + ccidAt, 54);
report('dwProtocols', `0x${ccid.getUint32(6, true).toString(16).padStart(8, '0')}`);
report('dwFeatures', `0x${ccid.getUint32(40, true).toString(16).padStart(8, '0')}`);
report('dwMaxCCIDMessageLength', String(ccid.getUint32(44, true)));

const iface = device.configuration?.interfaces.find((i) => i.alternate.interfaceClass === 0x0b)
  ?? fail('an interface of class 0x0B');
await device.claimInterface(iface.interfaceNumber);
const endpoint = (/** @type {USBDirection} */ direction, /** @type {USBEndpointType} */ type) => {
  return iface.alternate.endpoints.find((e) => e.direction === direction && e.type === type)
    ?? fail(`${type} ${direction} endpoint`);
};
const bulkOut = endpoint('out', 'bulk');
const bulkIn = endpoint('in', 'bulk');
const interrupt = endpoint('in', 'interrupt');
const readLength = Math.ceil((10 + ccid.getUint32(44, true)) / bulkIn.packetSize) * bulkIn.packetSize;

let seq = 0;
/** @param {number} type @param {Uint8Array} data @param {number[]} params 3 message-specific bytes */
async function ccidCommand(type, data, params) {
  const message = new Uint8Array(10 + data.length);
  const view = new DataView(message.buffer);
  message[0] = type;
  view.setUint32(1, data.length, true);
  message[5] = 0; // bSlot
  message[6] = seq;
  message.set(params, 7);
  message.set(data, 10);
  const sent = await device.transferOut(bulkOut.endpointNumber, message);
  check(sent.status === 'ok' && sent.bytesWritten === message.length, `bulk-OUT of ${hex(message)}`);
  const answer = bytesOf((await device.transferIn(bulkIn.endpointNumber, readLength)).data);
  check(answer.length >= 10, `bulk-IN answer of 10+ bytes, got ${hex(answer)}`);
  check(answer[6] === seq, `bSeq ${seq} echoed, got ${answer[6]}`);
  seq = (seq + 1) & 0xff;
  const length = new DataView(answer.buffer, answer.byteOffset).getUint32(1, true);
  check(answer.length === 10 + length, `dwLength ${length} matches ${answer.length - 10} data bytes`);
  return { type: answer[0], status: answer[7] ?? 0, error: answer[8] ?? 0, data: answer.subarray(10) };
}

const readSlotChange = async () => bytesOf((await device.transferIn(interrupt.endpointNumber, 8)).data);
report('notify-initial', hex(await readSlotChange())); // 50 03: card present, changed

const powerOn = await ccidCommand(0x62, new Uint8Array(0), [0, 0, 0]); // PC_to_RDR_IccPowerOn, automatic voltage
check(powerOn.type === 0x80 && powerOn.status === 0, `DataBlock with bStatus 0, got type ${powerOn.type} status ${powerOn.status}`);
report('atr', hex(powerOn.data));

/** @param {Uint8Array} tpdu */
async function xfrBlock(tpdu) {
  const answer = await ccidCommand(0x6f, tpdu, [0, 0, 0]); // PC_to_RDR_XfrBlock, bBWI 0, wLevelParameter 0
  check(answer.type === 0x80 && answer.status === 0, `XfrBlock DataBlock, got type ${answer.type} status ${answer.status}`);
  report('apdu', `${hex(tpdu)} -> ${hex(answer.data)}`);
  return answer.data;
}
const selected = await xfrBlock(SELECT_AID);
check(selected.length === 2 && selected[0] === 0x61, `SELECT answered 61xx, got ${hex(selected)}`);
const fci = await xfrBlock(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, selected[1] ?? 0)); // GET RESPONSE
check(fci.length === (selected[1] ?? 0) + 2 && hex(fci.subarray(-2)) === '9000', `GET RESPONSE data + 9000, got ${hex(fci)}`);

const secure = await ccidCommand(0x69, Uint8Array.of(0), [0, 0, 0]); // PC_to_RDR_Secure
report('secure', `type 0x${(secure.type ?? 0).toString(16)} bStatus 0x${secure.status.toString(16)} bError 0x${secure.error.toString(16)}`);

console.log('@@host remove-card');
report('notify-removed', hex(await readSlotChange())); // 50 02: card absent, changed
const status = await ccidCommand(0x65, new Uint8Array(0), [0, 0, 0]); // PC_to_RDR_GetSlotStatus
report('status-after-remove', `bStatus 0x${status.status.toString(16)}`);

console.log('@@host insert-card');
report('notify-inserted', hex(await readSlotChange())); // 50 03 again
const repowered = await ccidCommand(0x62, new Uint8Array(0), [0, 0, 0]);
check(repowered.type === 0x80 && repowered.status === 0, `power on after reinsertion, got status ${repowered.status}`);
report('atr-after-insert', hex(repowered.data));

await device.releaseInterface(iface.interfaceNumber);
await device.close();
report('result', 'ok');

/** @param {Uint8Array} bytes @param {number} type @returns {number} offset of the first descriptor of that type, or -1 */
function findDescriptor(bytes, type) {
  for (let at = 0; at + 1 < bytes.length; at += bytes[at] ?? 1) {
    if ((bytes[at] ?? 0) < 2) return -1; // bLength < 2 would loop forever: malformed
    if (bytes[at + 1] === type) return at;
  }
  return -1;
}

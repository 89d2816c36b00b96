/** The host side of the QEMU suite (bundled as dist-node/qemu-host.mjs for scripts/test-qemu.mjs). */
export { createEcardAtrCard, createT0TestCard, T0_TEST_ATR } from './t0-test-card';
export { HOST_COMMAND, describeExchange, plannedApduSequence } from './suite-plan';
export { ECARD_ATR } from '../../cli/ecard-apdus';
export { toHex } from '../../src/ccid';

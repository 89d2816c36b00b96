/** What use-readers loads with the first reader: the CCID driver is not first-screen code. */
export { CcidReader } from '../../ccid';

/** English texts (a switch away from Romanian). */
import type { MessageKey } from './ro';

export const en: Record<MessageKey, string> = {
  appTitle: 'eCard PIN',
  appSubtitle: 'Unblock and change the PIN of the national health card',
  language: 'Română',
  readersHeading: 'Card readers',
  connectReader: 'Connect reader',
  trainingReader: 'Training reader',
  trainingBadge: 'Training mode',
  noReaders: 'No reader connected. Press “Connect reader” or use the training reader.',
  open: 'Open',
  close: 'Close',
  powerOn: 'Power the card',
  powerOff: 'Power off',
  working: 'Working… Do not remove the card.',
  exchangeLevel: 'Exchange level',
  pinPad: 'PIN pad',
  yes: 'yes',
  no: 'no',
  slot: 'Slot',
  atr: 'ATR',
  cardPresent: 'Card inserted',
  cardAbsent: 'No card in the reader',
  levelCharacter: 'character',
  levelTpdu: 'TPDU',
  levelShortApdu: 'short APDU',
  levelExtendedApdu: 'extended APDU',
  noWebUsb:
    'This browser has no WebUSB. Open the page in Google Chrome or Microsoft Edge (or on a ChromeOS kiosk). Meanwhile you can use the training reader.',
  insecureContext: 'The page must be opened over https:// or from localhost to use the reader.',
  errProtectedClass:
    'Chrome does not let a normal web page use a smart card reader (USB class “Smart Card”). Install eCard PIN as an Isolated Web App (e.g. on a ChromeOS kiosk) or use a reader with a vendor-class interface.',
  errAccessDenied:
    'The system denies access to the reader. On Windows the reader needs the WinUSB driver; on Linux, a udev rule for the reader.',
  errBusy:
    'Another program is using the reader (for example the pcscd service or the vendor software). Close it and try again.',
  errDisconnected: 'The reader was disconnected. Plug it in again and press “Connect reader”.',
  errUnsupportedReader: 'This device is not a card reader we can use.',
  errCardAbsent: 'There is no card in the reader. Insert the card (chip up, towards the reader).',
  errCardMute: 'The card does not answer. Take it out, check it is inserted correctly and try again.',
  errCardProtocol: 'The reader cannot talk to this card.',
  errTimeout: 'The reader did not answer in time. Unplug and replug the reader, then try again.',
  errReader: 'The reader reported an error. Try again; if it repeats, reconnect the reader.',
  errUnknown: 'Something unexpected went wrong. Reconnect the reader and try again.',
  errCancelled: 'No reader was chosen.',
  technicalDetails: 'Technical details',
};

/** The eCard's command APDUs, from the profile table. PINs are validated before any byte is built. */
import { buildCommandApdu } from './apdu';
import { ecardAid, headerOf } from './ecard-profile';
import { encodePin } from './pin';

/** SELECT of the eCard application by its AID. */
export function selectEcardApdu(): Uint8Array {
  return buildCommandApdu(headerOf('selectByAid'), ecardAid());
}

/** VERIFY with the PIN (own PIN, or the transport PIN of a new card). */
export function verifyPinApdu(pin: string): Uint8Array {
  return buildCommandApdu(headerOf('verify'), encodePin(pin, 'current'));
}

/** VERIFY without data: the card answers 63Cx (x tries left) or 9000 (already verified); spends no try. */
export function triesLeftApdu(): Uint8Array {
  return buildCommandApdu(headerOf('verify'));
}

/** CHANGE REFERENCE DATA: current PIN ‖ new 4-digit PIN. Also activates a new card (current = transport PIN). */
export function changePinApdu(currentPin: string, newPin: string): Uint8Array {
  const current = encodePin(currentPin, 'current');
  const next = encodePin(newPin, 'new');
  const data = new Uint8Array(current.length + next.length);
  data.set(current);
  data.set(next, current.length);
  return buildCommandApdu(headerOf('changeReferenceData'), data);
}

/** RESET RETRY COUNTER with the new PIN only (P1 02); after a CAS unblock the new PIN is the reset PIN 0000. */
export function resetRetryCounterApdu(newPin: string): Uint8Array {
  return buildCommandApdu(headerOf('resetRetryCounter'), encodePin(newPin, 'new'));
}

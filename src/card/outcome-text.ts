/**
 * What the provider reads for each outcome: one catalogue per language, keyed by outcome kind.
 * Plain words for a busy clinic desk; "{tries}" and "{sw}" are filled in by outcomeOf.
 * The official code is shown beside the text by the UI, so the texts do not repeat it.
 */
import type { OutcomeKind } from './outcome-kinds';

export interface OutcomeText {
  readonly message: string;
  readonly nextStep: string;
}

export type OutcomeCatalogue = Readonly<Record<OutcomeKind, OutcomeText>>;

export const OUTCOME_TEXT_RO: OutcomeCatalogue = {
  ok: {
    message: 'Operația s-a încheiat cu succes.',
    nextStep: 'Puteți continua.',
  },
  'tries-left': {
    message: 'Cardul este activ. Încercări rămase pentru PIN: {tries}.',
    nextStep: 'Introduceți PIN-ul doar dacă pacientul îl știe sigur: când încercările se termină, cardul se blochează.',
  },
  'card-state-invalid': {
    message: 'Cardul figurează ca invalid în sistemul național.',
    nextStep:
      'Sunați la casa de asigurări (CAS) a pacientului și spuneți numărul cardului (scris pe card). După ce CAS rezolvă, cardul funcționează din nou cu PIN-ul pacientului; pe card nu trebuie făcut nimic.',
  },
  'no-card': {
    message: 'Nu este niciun card în cititor (sau cardul a fost scos).',
    nextStep: 'Introduceți cardul pacientului și porniți din nou. Nu scoateți cardul cât timp operația rulează.',
  },
  'reader-not-connected': {
    message: 'Cititorul de carduri nu este conectat la calculator.',
    nextStep: 'Conectați cititorul la un port USB și încercați din nou.',
  },
  'several-readers': {
    message: 'Sunt conectate mai multe cititoare de carduri.',
    nextStep: 'Lăsați conectat un singur cititor și încercați din nou.',
  },
  'wrong-pin': {
    message: 'PIN greșit. Încercări rămase până la blocarea cardului: {tries}.',
    nextStep:
      'Lăsați pacientul să mai încerce doar dacă își știe sigur PIN-ul. Dacă l-a uitat, opriți-vă: cardul blocat se deblochează numai prin CAS.',
  },
  blocked: {
    message: 'Cardul este blocat: PIN-ul a fost greșit de prea multe ori.',
    nextStep:
      'Sunați la casa de asigurări (CAS) a pacientului și spuneți CID-ul (codul de asigurat). După ce CAS deblochează cardul: Reset PIN eCard cu PIN-ul de reset 0000, apoi Schimbă PIN eCard (PIN actual 0000, apoi PIN-ul nou de două ori).',
  },
  'card-invalid': {
    message: 'Cardul este invalid.',
    nextStep:
      'Sunați la casa de asigurări (CAS) a pacientului și spuneți numărul cardului (numărul documentului, scris pe card). După ce CAS rezolvă, cardul funcționează din nou cu PIN-ul pacientului; până atunci nu faceți nimic pe card.',
  },
  'activation-cancelled': {
    message: 'Activarea cardului a fost anulată. Nu s-a consumat nicio încercare.',
    nextStep: 'Porniți din nou activarea când pacientul este gata să își aleagă PIN-ul.',
  },
  'not-activated': {
    message: 'Cardul nu este activat încă: are PIN-ul de transport.',
    nextStep: 'Activați cardul: PIN-ul de transport 000, apoi PIN-ul de 4 cifre ales de pacient, de două ori.',
  },
  'change-failed': {
    message: 'Schimbarea PIN-ului nu a reușit.',
    nextStep: 'Verificați din nou cardul înainte de o nouă încercare. Nu scoateți cardul cât timp operația rulează.',
  },
  'change-cancelled': {
    message: 'Schimbarea PIN-ului a fost anulată. Cardul are în continuare PIN-ul vechi și nu s-a consumat nicio încercare.',
    nextStep: 'Apăsați din nou Schimbă PIN eCard când pacientul este gata.',
  },
  'reset-not-confirmed': {
    message: 'Resetarea PIN-ului nu este confirmată: cardul nu apare ca deblocat de CAS.',
    nextStep:
      'Sunați la casa de asigurări (CAS) a pacientului și spuneți CID-ul. După ce CAS confirmă deblocarea, apăsați din nou Reset PIN eCard.',
  },
  'reset-not-blocked': {
    message: 'Resetarea PIN-ului se face numai pe un card blocat, iar acest card nu este blocat.',
    nextStep:
      'Dacă pacientul își știe PIN-ul, folosiți Schimbă PIN eCard. Dacă l-a uitat, se aplică procedura pentru card blocat: după ce încercările se termină, CAS deblochează cardul pe baza CID-ului.',
  },
  'pin-length': {
    message: 'PIN-ul trebuie să aibă 4 cifre. Nu s-a consumat nicio încercare.',
    nextStep: 'Introduceți din nou un PIN de exact 4 cifre (doar PIN-ul de transport al unui card nou are 3 cifre).',
  },
  'wrong-reset-pin': {
    message: 'PIN de reset greșit. PIN-ul de reset este 0000 (patru de zero). Nu s-a consumat nicio încercare.',
    nextStep: 'Apăsați din nou Reset PIN eCard și tastați 0000 când terminalul cere PIN-ul de reset.',
  },
  'wrong-transport-pin': {
    message: 'PIN de transport greșit. Încercări rămase până la blocarea cardului: {tries}.',
    nextStep: 'PIN-ul de transport al unui card nou este 000. Reluați activarea cu 000.',
  },
  timeout: {
    message: 'Timpul de așteptare a expirat înainte ca operația să se termine.',
    nextStep: 'Lăsați cardul în cititor și porniți din nou; la terminal tastați PIN-ul și apăsați tasta de confirmare fără pauze lungi.',
  },
  'card-swapped': {
    message: 'Cardul a fost schimbat în cititor în timpul operației.',
    nextStep: 'Operația s-a oprit. Introduceți cardul pacientului și porniți din nou; nu scoateți cardul până la mesajul final.',
  },
  'security-not-satisfied': {
    message: 'Cardul a refuzat comanda: condițiile de securitate nu sunt îndeplinite.',
    nextStep:
      'Scoateți cardul, introduceți-l din nou și reluați operația de la început. Dacă mesajul se repetă, notați codul afișat și cereți ajutorul asistenței tehnice.',
  },
  'entry-cancelled': {
    message: 'Introducerea PIN-ului a fost anulată la terminal. Nu s-a consumat nicio încercare.',
    nextStep: 'Porniți din nou când pacientul este gata.',
  },
  'pins-differ': {
    message: 'PIN-ul nou și confirmarea lui nu coincid. Nu s-a consumat nicio încercare, iar PIN-ul cardului nu s-a schimbat.',
    nextStep: 'Porniți din nou și tastați același PIN nou de două ori.',
  },
  'unexpected-answer': {
    message: 'Cardul a dat un răspuns neașteptat (cod {sw}).',
    nextStep:
      'Nu repetați operația cu PIN. Verificați din nou cardul; dacă problema rămâne, cereți ajutorul asistenței tehnice și spuneți codul afișat.',
  },
};

export const OUTCOME_TEXT_EN: OutcomeCatalogue = {
  ok: {
    message: 'The operation completed successfully.',
    nextStep: 'You can continue.',
  },
  'tries-left': {
    message: 'The card is active. PIN tries left: {tries}.',
    nextStep: 'Enter the PIN only if the patient is sure of it: when the tries run out, the card blocks.',
  },
  'card-state-invalid': {
    message: 'The national system lists this card as invalid.',
    nextStep:
      "Call the patient's health insurance house (CAS) and give the card number printed on the card. Once CAS has fixed it, the card works again with the patient's own PIN; nothing needs to be done on the card.",
  },
  'no-card': {
    message: 'There is no card in the reader (or the card was taken out).',
    nextStep: "Insert the patient's card and start again. Do not take the card out while an operation runs.",
  },
  'reader-not-connected': {
    message: 'The card reader is not connected to the computer.',
    nextStep: 'Plug the reader into a USB port and try again.',
  },
  'several-readers': {
    message: 'More than one card reader is connected.',
    nextStep: 'Leave only one reader connected and try again.',
  },
  'wrong-pin': {
    message: 'Wrong PIN. Tries left before the card blocks: {tries}.',
    nextStep:
      'Let the patient try again only if they are sure of the PIN. If it is forgotten, stop: a blocked card can be unblocked only through CAS.',
  },
  blocked: {
    message: 'The card is blocked: the PIN was entered wrong too many times.',
    nextStep:
      "Call the patient's health insurance house (CAS) and give the CID (the insured person's code). Once CAS has unblocked the card: Reset PIN eCard with the reset PIN 0000, then Schimbă PIN eCard (current PIN 0000, then the new PIN twice).",
  },
  'card-invalid': {
    message: 'The card is invalid.',
    nextStep:
      "Call the patient's health insurance house (CAS) and give the card number (document number, printed on the card). Once CAS has fixed it, the card works again with the patient's own PIN; until then do nothing on the card.",
  },
  'activation-cancelled': {
    message: 'Card activation was cancelled. No PIN try was used.',
    nextStep: 'Start the activation again when the patient is ready to choose a PIN.',
  },
  'not-activated': {
    message: 'The card is not activated yet: it still has its transport PIN.',
    nextStep: 'Activate the card: the transport PIN 000, then the 4-digit PIN the patient chooses, twice.',
  },
  'change-failed': {
    message: 'Changing the PIN did not succeed.',
    nextStep: 'Check the card again before another attempt. Do not take the card out while an operation runs.',
  },
  'change-cancelled': {
    message: 'The PIN change was cancelled. The card keeps its old PIN and no try was used.',
    nextStep: 'Press Schimbă PIN eCard again when the patient is ready.',
  },
  'reset-not-confirmed': {
    message: 'The PIN reset is not confirmed: the card is not recorded as unblocked by CAS.',
    nextStep: "Call the patient's health insurance house (CAS) and give the CID. Once CAS confirms the unblocking, press Reset PIN eCard again.",
  },
  'reset-not-blocked': {
    message: 'A PIN reset works only on a blocked card, and this card is not blocked.',
    nextStep:
      'If the patient knows the PIN, use Schimbă PIN eCard. If it is forgotten, the blocked-card procedure applies: once the tries run out, CAS unblocks the card using the CID.',
  },
  'pin-length': {
    message: 'The PIN must have 4 digits. No try was used.',
    nextStep: 'Enter a PIN of exactly 4 digits again (only the transport PIN of a new card has 3 digits).',
  },
  'wrong-reset-pin': {
    message: 'Wrong reset PIN. The reset PIN is 0000 (four zeros). No try was used.',
    nextStep: 'Press Reset PIN eCard again and type 0000 when the terminal asks for the reset PIN.',
  },
  'wrong-transport-pin': {
    message: 'Wrong transport PIN. Tries left before the card blocks: {tries}.',
    nextStep: 'The transport PIN of a new card is 000. Start the activation again with 000.',
  },
  timeout: {
    message: 'The time ran out before the operation finished.',
    nextStep: 'Leave the card in the reader and start again; on the terminal, type the PIN and press the accept key without long pauses.',
  },
  'card-swapped': {
    message: 'The card in the reader was swapped during the operation.',
    nextStep: "The operation was stopped. Insert the patient's card and start again; do not take the card out until the final message.",
  },
  'security-not-satisfied': {
    message: 'The card refused the command: its security conditions are not met.',
    nextStep: 'Take the card out, insert it again and start the operation from the beginning. If this repeats, note the code shown and ask technical support.',
  },
  'entry-cancelled': {
    message: 'PIN entry was cancelled on the terminal. No try was used.',
    nextStep: 'Start again when the patient is ready.',
  },
  'pins-differ': {
    message: "The new PIN and its confirmation differ. No try was used and the card's PIN did not change.",
    nextStep: 'Start again and type the same new PIN twice.',
  },
  'unexpected-answer': {
    message: 'The card gave an unexpected answer (code {sw}).',
    nextStep: 'Do not repeat the PIN operation. Check the card again; if the problem remains, ask technical support and give the code shown.',
  },
};

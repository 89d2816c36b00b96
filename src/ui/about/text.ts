/**
 * The words of the page "Ce face aplicația", Romanian and English. Every statement names its
 * sources; the facts are those of ../shared/docs/ecard.md and the seed notice, nothing more.
 */
import type { Language } from '../i18n';

export type SourceId = 'notice' | 'sdk' | 'buttons' | 'mediafax' | 'casmb' | 'certificates' | 'tulcea' | 'pcscTools' | 'iso7816' | 'pinpadSpecs';

/** Each statement's sources: facts, the same in every language. */
export const SOURCES_OF = {
  intro: ['buttons'],
  checks: ['pcscTools', 'sdk', 'iso7816'],
  verify: ['mediafax', 'notice'],
  reset: ['notice', 'sdk'],
  change: ['notice', 'sdk'],
  activate: ['sdk'],
  pinpad: ['pinpadSpecs'],
  noCid: ['sdk', 'mediafax'],
  noAuthorisation: ['sdk', 'notice'],
  noUnblock: ['notice', 'casmb'],
  asksServer: ['sdk'],
  reportsChange: ['sdk'],
  certificates: ['certificates'],
  register: ['tulcea'],
} as const satisfies Record<string, readonly SourceId[]>;

export type StatementId = keyof typeof SOURCES_OF;

/** The page's sections, in order: on the card / not without the national system / the official software also / the register. */
export const SECTIONS = [
  { id: 'on-card', statements: ['checks', 'verify', 'reset', 'change', 'activate', 'pinpad'] },
  { id: 'not-without-national-system', statements: ['noCid', 'noAuthorisation', 'noUnblock'] },
  { id: 'official-software', statements: ['asksServer', 'reportsChange', 'certificates'] },
  { id: 'register', statements: ['register'] },
] as const satisfies readonly { id: string; statements: readonly StatementId[] }[];

export type SectionId = (typeof SECTIONS)[number]['id'];

/** How a statement names each source (the same in every language), and the address of the public ones. */
export const SOURCE_TAGS: Readonly<Record<SourceId, string>> = {
  notice: 'CAS Gorj 2015',
  sdk: '[sdk]',
  buttons: '[public] cnas.ro (cjastm)',
  mediafax: '[public] Mediafax',
  casmb: '[public] CASMB',
  certificates: '[public] casan.ro (cjas-cs)',
  tulcea: '[public] CAS Tulcea',
  pcscTools: '[public] pcsc-tools',
  iso7816: '[standard] ISO/IEC 7816-4',
  pinpadSpecs: '[standard] CCID, PC/SC',
};

export interface AboutText {
  readonly title: string;
  readonly headings: Readonly<Record<SectionId, string>>;
  readonly statements: Readonly<Record<StatementId, string>>;
  readonly sourcesLabel: string;
  readonly sourcesHeading: string;
  readonly legend: readonly string[];
  /** What each source is. */
  readonly sources: Readonly<Record<SourceId, string>>;
  readonly back: string;
}

/** The public pages among the sources (docs/ecard.md); the others are documents or specifications. */
export const SOURCE_URLS: Partial<Record<SourceId, string>> = {
  sdk: 'https://github.com/ocean2706/CEAS-NOVENSYS',
  buttons: 'http://cas.cnas.ro/cjastm/page/procedura-de-resetare-a-pin-ului-dupa-deblocarea-cardului-in-sistem.html',
  mediafax: 'https://mediafax.ro/social/cnas-cardul-de-sanatate-se-blocheaza-daca-asiguratul-tasteaza-gresit-de-cinci-ori-codul-pin-ales-14186508',
  casmb: 'http://www.cnas.ro/casmb/page/procedura-de-deblocare-card-i-anulare-mesaj-card-invalid.html',
  certificates: 'http://www.casan.ro/cjas-cs/post/type/local/in-atentia-furnizorilor-i-asiguratilor-2.html',
  tulcea: 'http://www.casan.ro/castl/page/pentru-deblocare-carduri-in-colaborare-cu-cas-tulcea.html',
};

const ro: AboutText = {
  title: 'Ce face aplicația',
  headings: {
    'on-card': 'Ce face aplicația pe card',
    'not-without-national-system': 'Ce nu poate face fără sistemul național',
    'official-software': 'Ce face în plus programul oficial',
    register: 'Registrul resetărilor',
  },
  statements: {
    intro:
      'eCard PIN lucrează doar cu cardul din cititor: nu se conectează la sistemul național al CNAS (SIUI și serverul de carduri). Meniul și butoanele poartă numele din programul oficial: Fișier → Pacienți, „Reset PIN eCard”, „Schimbă PIN eCard”. Mai jos: ce face aplicația pe card, ce nu poate face fără sistemul național și ce face în plus programul oficial, fiecare cu sursa lui.',
    checks:
      'Verifică cardul fără să consume vreo încercare de PIN: răspunsul cardului la pornire (ATR), aplicația eCard de pe cip și câte încercări de PIN au mai rămas.',
    verify:
      'Verifică PIN: titularul își încearcă PIN-ul de 4 cifre. Fiecare greșeală consumă o încercare, iar după 5 greșeli cardul se blochează; aplicația arată încercările rămase și cere confirmare înainte de ultima.',
    reset: 'Reset PIN eCard: după ce CAS a deblocat cardul, PIN-ul de reset 0000 se tastează pe terminal și devine PIN-ul cardului.',
    change: 'Schimbă PIN eCard: PIN-ul actual, PIN-ul nou și confirmarea lui.',
    activate: 'Activează card: un card nou trece de la PIN-ul de transport la PIN-ul de 4 cifre ales de titular.',
    pinpad: 'Pe un cititor cu tastatură, PIN-ul se tastează pe cititor și nu trece prin calculator. Aplicația nu păstrează niciun PIN.',
    noCid:
      'Nu poate citi CID-ul sau numărul cardului de pe cip: fișierele cu datele titularului se deschid numai după o autentificare cu chei pe care serverul național de carduri le dă terminalelor înrolate. Le citiți de pe card, unde sunt tipărite.',
    noAuthorisation:
      'Nu poate afla dacă CAS a deblocat cardul, deci nu poate autoriza o resetare. Confirmarea o dați dumneavoastră, după telefonul cu CAS („CAS a deblocat cardul”); dacă totuși cardul refuză resetarea, aplicația arată eroarea -36 și vă trimite din nou la CAS.',
    noUnblock:
      'Nu poate debloca un card blocat și nu poate face valid un card invalid: acestea le face CAS, în sistemul național, pe baza CID-ului (card blocat) sau a numărului cardului (card invalid).',
    asksServer:
      'Înainte de o resetare întreabă serverul național de carduri dacă CAS a deblocat cardul și resetează PIN-ul numai după confirmare.',
    reportsChange:
      'Când se schimbă PIN-ul, trimite serverului național („UM”) PIN-ul vechi și pe cel nou, criptate cu o cheie a terminalului. Nu se știe dacă acest lucru este necesar pentru card. eCard PIN nu trimite nimic nicăieri.',
    certificates:
      'Din iulie 2020 scrie automat certificate noi pe cip când cardul este introdus în cititorul unui furnizor. eCard PIN nu scrie certificate.',
    register:
      'Unele CAS (de exemplu CAS Tulcea) cer ca fiecare resetare de PIN să fie trecută într-un registru semnat de titularul cardului. După o resetare, o schimbare sau o activare, „Tipărește fișa” dă o pagină A4 cu data și ora, operația, rezultatul și codul oficial, cititorul și rânduri libere pentru numele titularului, CID, semnătură și ștampila furnizorului. Fișa nu conține niciun PIN, iar aplicația nu o păstrează.',
  },
  sourcesLabel: 'Surse',
  sourcesHeading: 'Sursele',
  legend: [
    '[public]: o pagină web publică.',
    '[sdk]: citit într-o copie decompilată a kitului oficial pentru furnizori (Novensys eCard.SDK 1.1.56), publicată pe GitHub. Nu este un document oficial, ci cea mai bună dovadă disponibilă.',
    '[standard]: o specificație tehnică publică.',
  ],
  sources: {
    notice: 'Anunțul CAS Gorj către furnizori (2015): ce se face pentru cardurile blocate (eroarea -15) și invalide (eroarea -5).',
    sdk: 'Novensys eCard.SDK 1.1.56, copie decompilată (nu este un document oficial)',
    buttons: '„Procedura de resetare a PIN-ului după deblocarea cardului în sistem”',
    mediafax: '„CNAS: cardul de sănătate se blochează dacă asiguratul tastează greșit de cinci ori codul PIN ales”',
    casmb: '„Procedura de deblocare card și anulare mesaj card invalid”',
    certificates: '„În atenția furnizorilor și asiguraților”: certificatele noi de pe card, din iulie 2020',
    tulcea: '„Pentru deblocare carduri în colaborare cu CAS Tulcea”',
    pcscTools: 'Lista de carduri smartcard_list.txt din pcsc-tools: „Healthcare card Romania”',
    iso7816: 'ISO/IEC 7816-4 §7.5.6: VERIFY fără date arată încercările rămase fără să consume una',
    pinpadSpecs: 'USB CCID rev. 1.1 §6.1.11 și PC/SC partea 10 §2.5: introducerea PIN-ului pe tastatura cititorului',
  },
  back: 'Înapoi la fereastra Pacienți',
};

const en: AboutText = {
  title: 'What the app does',
  headings: {
    'on-card': 'What the app does on the card',
    'not-without-national-system': 'What it cannot do without the national system',
    'official-software': 'What the official software also does',
    register: 'The register of resets',
  },
  statements: {
    intro:
      'eCard PIN works only with the card in the reader: it does not connect to the CNAS national system (SIUI and the card server). The menu and buttons carry the names of the official software: Fișier → Pacienți, “Reset PIN eCard”, “Schimbă PIN eCard”. Below: what the app does on the card, what it cannot do without the national system, and what the official software does on top, each with its source.',
    checks:
      'Checks the card without spending a PIN try: the card’s answer at power-on (ATR), the eCard application on the chip, and how many PIN tries are left.',
    verify:
      'Verify PIN: the holder tries their 4-digit PIN. Every mistake spends a try, and after 5 mistakes the card blocks; the app shows the tries left and asks before the last one.',
    reset: 'Reset eCard PIN: once the CAS has unblocked the card, the reset PIN 0000 is typed on the terminal and becomes the card’s PIN.',
    change: 'Change eCard PIN: the current PIN, the new PIN and its confirmation.',
    activate: 'Activate card: a new card goes from the transport PIN to the 4-digit PIN the holder chooses.',
    pinpad: 'On a reader with a keypad the PIN is typed on the reader and never passes through the computer. The app keeps no PIN.',
    noCid:
      'It cannot read the CID or the card number from the chip: the files with the holder’s data open only after an authentication with keys that the national card server gives to enrolled terminals. Read them off the card, where they are printed.',
    noAuthorisation:
      'It cannot find out whether the CAS unblocked the card, so it cannot authorise a reset. You give that confirmation, after the call with the CAS (“The CAS unblocked the card”); if the card still refuses the reset, the app shows error -36 and sends you back to the CAS.',
    noUnblock:
      'It cannot unblock a blocked card or make an invalid card valid: the CAS does that in the national system, from the CID (blocked card) or the card number (invalid card).',
    asksServer:
      'Before a reset it asks the national card server whether the CAS unblocked the card, and resets the PIN only once that is confirmed.',
    reportsChange:
      'When the PIN is changed it sends the old and the new PIN, encrypted with a terminal key, to the national server (“UM”). Whether the card needs this is not established. eCard PIN sends nothing anywhere.',
    certificates:
      'Since July 2020 it writes new certificates onto the chip automatically when the card is inserted in a provider’s reader. eCard PIN writes no certificates.',
    register:
      'Some CAS (CAS Tulcea, for one) want every PIN reset written in a register that the card holder signs. After a reset, a change or an activation, “Print the slip” gives one A4 page with the date and time, the operation, the result and official code, the reader, and blank lines for the holder’s name, CID, signature and the provider’s stamp. The slip carries no PIN, and the app does not keep it.',
  },
  sourcesLabel: 'Sources',
  sourcesHeading: 'The sources',
  legend: [
    '[public]: a public web page.',
    '[sdk]: read in a decompiled copy of the official provider kit (Novensys eCard.SDK 1.1.56), published on GitHub. Not an official document, but the best evidence available.',
    '[standard]: a public technical specification.',
  ],
  sources: {
    notice: 'The CAS Gorj notice to providers (2015): what to do for blocked (error -15) and invalid (error -5) cards.',
    sdk: 'Novensys eCard.SDK 1.1.56, decompiled copy (not an official document)',
    buttons: '“Procedura de resetare a PIN-ului după deblocarea cardului în sistem” (the PIN reset after the card is unblocked in the system)',
    mediafax: '“CNAS: the health card blocks if the insured person types the PIN wrong five times”',
    casmb: '“Procedura de deblocare card și anulare mesaj card invalid” (unblocking a card, clearing the invalid-card message)',
    certificates: '“În atenția furnizorilor și asiguraților”: the new certificates on the card, since July 2020',
    tulcea: '“Pentru deblocare carduri în colaborare cu CAS Tulcea” (unblocking cards with CAS Tulcea)',
    pcscTools: 'The smartcard_list.txt list of pcsc-tools: “Healthcare card Romania”',
    iso7816: 'ISO/IEC 7816-4 §7.5.6: VERIFY without data tells the tries left without spending one',
    pinpadSpecs: 'USB CCID rev. 1.1 §6.1.11 and PC/SC part 10 §2.5: PIN entry on the reader’s keypad',
  },
  back: 'Back to the Patients window',
};

export const ABOUT_TEXT: Readonly<Record<Language, AboutText>> = { ro, en };

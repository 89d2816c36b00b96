/** Romanian texts (the default language). Keys are shared with en.ts. */
export const ro = {
  appTitle: 'eCard PIN',
  appSubtitle: 'Deblocare și schimbare PIN pentru cardul național de sănătate',
  language: 'English',
  readersHeading: 'Cititoare de carduri',
  connectReader: 'Conectează cititorul',
  trainingReader: 'Cititor de instruire',
  trainingBadge: 'Mod instruire',
  noReaders: 'Niciun cititor conectat. Apăsați „Conectează cititorul” sau folosiți cititorul de instruire.',
  open: 'Deschide',
  close: 'Închide',
  powerOn: 'Pornește cardul',
  powerOff: 'Oprește cardul',
  working: 'Se lucrează… Nu scoateți cardul.',
  exchangeLevel: 'Nivel de schimb',
  pinPad: 'Tastatură PIN',
  yes: 'da',
  no: 'nu',
  slot: 'Slot',
  atr: 'ATR',
  cardPresent: 'Card introdus',
  cardAbsent: 'Niciun card în cititor',
  levelCharacter: 'caracter',
  levelTpdu: 'TPDU',
  levelShortApdu: 'APDU scurt',
  levelExtendedApdu: 'APDU extins',
  noWebUsb:
    'Acest browser nu are WebUSB. Deschideți pagina în Google Chrome sau Microsoft Edge (sau pe un chioșc ChromeOS). Până atunci puteți folosi cititorul de instruire.',
  insecureContext: 'Pagina trebuie deschisă prin https:// sau de pe localhost pentru a folosi cititorul.',
  errProtectedClass:
    'Chrome nu permite unei pagini web obișnuite să folosească un cititor de carduri (clasa USB „Smart Card”). Instalați eCard PIN ca aplicație izolată (Isolated Web App, de ex. pe un chioșc ChromeOS) sau folosiți un cititor cu interfață de tip furnizor.',
  errAccessDenied:
    'Sistemul nu permite accesul la cititor. Pe Windows cititorul are nevoie de driverul WinUSB; pe Linux, de o regulă udev pentru cititor.',
  errBusy:
    'Cititorul este folosit de alt program (de exemplu serviciul pcscd sau programul furnizorului). Închideți acel program și încercați din nou.',
  errDisconnected: 'Cititorul a fost deconectat. Conectați-l din nou și apăsați „Conectează cititorul”.',
  errUnsupportedReader: 'Acest dispozitiv nu este un cititor de carduri pe care îl putem folosi.',
  errCardAbsent: 'Nu este niciun card în cititor. Introduceți cardul (cipul în sus, spre cititor).',
  errCardMute: 'Cardul nu răspunde. Scoateți-l, verificați că este introdus corect și încercați din nou.',
  errCardProtocol: 'Cititorul nu poate comunica cu acest card.',
  errTimeout: 'Cititorul nu a răspuns la timp. Scoateți și reintroduceți cititorul, apoi încercați din nou.',
  errReader: 'Cititorul a raportat o eroare. Încercați din nou; dacă se repetă, reconectați cititorul.',
  errUnknown: 'A apărut o eroare neprevăzută. Reconectați cititorul și încercați din nou.',
  errCancelled: 'Nu a fost ales niciun cititor.',
  technicalDetails: 'Detalii tehnice',
} as const;

export type MessageKey = keyof typeof ro;

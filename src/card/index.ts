/** The eCard profile's public door: facts, APDUs, PIN encoding, status words → outcomes. */
export { ApduBuildError, SW, buildCommandApdu, counterOf, counterSw, formatSw, parseResponseApdu, swBytes } from './apdu';
export type { ApduHeader, ResponseApdu } from './apdu';
export { ECARD_PROFILE, MIN_PIN_LENGTH, ecardAid, ecardAtr, headerOf, isEcardAtr } from './ecard-profile';
export type { FactSource, ProfileFact } from './ecard-profile';
export { PinFormatError, encodePin, pinLengthRange, validatePin } from './pin';
export type { PinRole } from './pin';
export { changePinApdu, resetRetryCounterApdu, selectEcardApdu, triesLeftApdu, verifyPinApdu } from './ecard-commands';
export { OUTCOME_KINDS } from './outcome-kinds';
export type { CasNeeds, OfficialCode, OutcomeKind, OutcomeKindFacts } from './outcome-kinds';
export { OUTCOME_TEXT_EN, OUTCOME_TEXT_RO } from './outcome-text';
export type { OutcomeCatalogue, OutcomeText } from './outcome-text';
export { OutcomeDetailError, STATUS_WORD_RULES, outcomeForStatusWord, outcomeOf, ruleFor } from './outcomes';
export type { CardOperation, Outcome, OutcomeDetails, StatusWordRule } from './outcomes';
export type { UnblockAuthority, UnblockConfirmation } from './unblock-authority';

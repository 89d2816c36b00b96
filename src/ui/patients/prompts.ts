/** The terminal's prompts (ecard.md "Terminal prompts"), and which ones each PIN operation shows in turn. */
import type { PinPrompt } from '../../flows';
import type { MessageKey } from '../i18n';
import type { PatientAction } from './use-patient-desk';

export const PROMPT_TEXT: Record<PinPrompt, MessageKey> = {
  pin: 'promptPin',
  transport: 'promptTransport',
  reset: 'promptReset',
  current: 'promptCurrent',
  new: 'promptNew',
  confirm: 'promptConfirm',
};

export const PROMPTS_OF: Record<PatientAction, readonly PinPrompt[]> = {
  verify: ['pin'],
  reset: ['reset'],
  change: ['current', 'new', 'confirm'],
  activate: ['transport', 'new', 'confirm'],
};

import type { JsonSchema } from '@graine/sdk';
import type { MenuAction } from './actions.js';

export interface MenuChoice {
  /** The key(s) a caller presses, e.g. "1" or "0". */
  digits: string;
  /** Words that choose this entry when speech input is on; matched case-insensitively anywhere in the transcript. */
  speech?: string[];
  action: MenuAction;
}

export interface IvrMenuOptions {
  prompt: string;
  choices: MenuChoice[];
  /** Listen for spoken answers as well as digits. */
  speech?: boolean;
  /** Seconds of silence before the menu counts as unanswered. */
  timeoutSeconds?: number;
  /** How many times the menu is offered before giving up. */
  maxAttempts?: number;
  noInputMessage?: string;
  invalidChoiceMessage?: string;
  giveUpMessage?: string;
}

const action: JsonSchema = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['dial'],
      properties: {
        dial: { type: 'string', pattern: '^(\\+?[0-9]{2,15}|sips?:.+)$', description: 'A phone number or a sip:/sips: URI' },
        callerId: { type: 'string' },
        timeout: { type: 'integer', minimum: 1, maximum: 600 },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['say'],
      properties: { say: { type: 'string', minLength: 1 }, thenHangup: { type: 'boolean' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['redirect'],
      properties: { redirect: { type: 'string', minLength: 1, description: "Another application's hook URL (absolute or /relative)" } },
    },
  ],
};

export const ivrMenuOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['prompt', 'choices'],
  properties: {
    prompt: { type: 'string', minLength: 1 },
    choices: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['digits', 'action'],
        properties: {
          digits: { type: 'string', pattern: '^[0-9*#]{1,8}$' },
          speech: { type: 'array', items: { type: 'string', minLength: 1 } },
          action,
        },
      },
    },
    speech: { type: 'boolean' },
    timeoutSeconds: { type: 'integer', minimum: 1, maximum: 60 },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 10 },
    noInputMessage: { type: 'string' },
    invalidChoiceMessage: { type: 'string' },
    giveUpMessage: { type: 'string' },
  },
};

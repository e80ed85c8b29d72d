import { definePlugin, SDK_API_VERSION, services, type DialTarget, type JsonSchema, type Verb } from '@graine/sdk';
import { OpeningHours, RANGE_PATTERN, type WeeklySchedule } from './schedule.js';
import { WEEKDAYS, ZoneClock } from './wall-clock.js';

export interface BusinessHoursOptions {
  /** IANA zone of the business, e.g. `Europe/Paris`. */
  timeZone: string;
  /** Opening ranges per weekday, local time: `{ monday: ["09:00-12:30", "13:30-18:00"] }`. Missing days are closed. */
  schedule: WeeklySchedule;
  /** Local dates (`YYYY-MM-DD`) on which the business is closed all day. */
  holidays?: string[];
  open: {
    /** Numbers or sip: URIs, rung at the same time; the first to answer takes the call. */
    dial: string[];
    /** Spoken before dialling. */
    message?: string;
    callerId?: string;
    /** Seconds to ring before giving up. */
    timeout?: number;
  };
  closed: {
    message: string;
    /** A voicemail number or sip: URI dialled after the message; without it the call ends. */
    voicemail?: string;
  };
}

const destination = { type: 'string', pattern: '^(\\+?[0-9]{2,15}|sips?:.+)$' };

const optionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['timeZone', 'schedule', 'open', 'closed'],
  properties: {
    timeZone: { type: 'string', minLength: 1 },
    schedule: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(WEEKDAYS.map((day) => [day, { type: 'array', items: { type: 'string', pattern: RANGE_PATTERN } }])),
    },
    holidays: { type: 'array', items: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } },
    open: {
      type: 'object',
      additionalProperties: false,
      required: ['dial'],
      properties: {
        dial: { type: 'array', minItems: 1, items: destination },
        message: { type: 'string' },
        callerId: { type: 'string' },
        timeout: { type: 'integer', minimum: 1, maximum: 600 },
      },
    },
    closed: {
      type: 'object',
      additionalProperties: false,
      required: ['message'],
      properties: { message: { type: 'string', minLength: 1 }, voicemail: destination },
    },
  },
};

export default definePlugin<BusinessHoursOptions, { clock: typeof services.clock }>({
  name: 'business-hours',
  version: '0.1.0',
  apiVersion: SDK_API_VERSION,
  // Answers from its options, the hook and the clock; nothing outlives a handler (PluginDefinition.synchronous).
  synchronous: true,
  optionsSchema,
  deps: { clock: services.clock },
  setup({ options, deps }) {
    let zone: ZoneClock;
    try {
      zone = new ZoneClock(options.timeZone);
    } catch {
      throw new Error(`unknown time zone "${options.timeZone}" (use an IANA name such as Europe/Paris)`);
    }
    const hours = new OpeningHours(options.schedule, options.holidays);
    const openVerbs = whenOpen(options.open);
    const closedVerbs = whenClosed(options.closed);
    return {
      callHook: () => (hours.isOpen(zone.read(deps.clock.now())) ? openVerbs : closedVerbs),
    };
  },
});

function whenOpen(open: BusinessHoursOptions['open']): Verb[] {
  return [
    ...(open.message ? [{ verb: 'say', text: open.message } as const] : []),
    {
      verb: 'dial',
      target: open.dial.map(dialTarget),
      ...(open.callerId !== undefined && { callerId: open.callerId }),
      ...(open.timeout !== undefined && { timeout: open.timeout }),
    },
    { verb: 'hangup' },
  ];
}

function whenClosed(closed: BusinessHoursOptions['closed']): Verb[] {
  return [
    { verb: 'say', text: closed.message },
    ...(closed.voicemail ? [{ verb: 'dial', target: [dialTarget(closed.voicemail)] } as const] : []),
    { verb: 'hangup' },
  ];
}

function dialTarget(to: string): DialTarget {
  return /^sips?:/i.test(to) ? { type: 'sip', sipUri: to } : { type: 'phone', number: to };
}

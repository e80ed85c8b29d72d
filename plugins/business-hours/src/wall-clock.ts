export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A moment as the people in one time zone read it off the wall. */
export interface WallTime {
  /** `YYYY-MM-DD`, the local date. */
  date: string;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
}

/**
 * Reads instants in an IANA zone with Intl.DateTimeFormat, which knows the zone's daylight-saving rules:
 * no offset arithmetic of our own, so a DST change cannot shift the schedule by an hour.
 */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;

  /** Throws a RangeError for a zone the runtime does not know. */
  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'long',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
  }

  read(instant: Date): WallTime {
    const parts: Record<string, string> = {};
    for (const part of this.format.formatToParts(instant)) parts[part.type] = part.value;
    return {
      date: `${parts.year}-${parts.month}-${parts.day}`,
      weekday: String(parts.weekday).toLowerCase() as Weekday,
      minutes: Number(parts.hour) * 60 + Number(parts.minute),
    };
  }
}

import { WEEKDAYS, type WallTime, type Weekday } from './wall-clock.js';

/** `"09:00-17:30"`; `24:00` closes at midnight. */
export const RANGE_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

export type WeeklySchedule = Partial<Record<Weekday, string[]>>;

interface OpenRange {
  from: number;
  to: number;
}

/** The week's opening ranges in local minutes, and the local dates on which the business stays closed. */
export class OpeningHours {
  private readonly ranges: ReadonlyMap<Weekday, OpenRange[]>;
  private readonly holidays: ReadonlySet<string>;

  /** Throws when a range ends before it starts (ranges over midnight are written as two days). */
  constructor(schedule: WeeklySchedule, holidays: readonly string[] = []) {
    const ranges = new Map<Weekday, OpenRange[]>();
    for (const day of WEEKDAYS) {
      ranges.set(
        day,
        (schedule[day] ?? []).map((text) => {
          const [from, to] = text.split('-').map(minutesOf) as [number, number];
          if (to <= from) throw new Error(`opening range ${day} ${text} ends before it starts; split ranges over midnight across two days`);
          return { from, to };
        }),
      );
    }
    this.ranges = ranges;
    this.holidays = new Set(holidays);
  }

  isOpen(at: WallTime): boolean {
    if (this.holidays.has(at.date)) return false;
    return (this.ranges.get(at.weekday) ?? []).some((range) => at.minutes >= range.from && at.minutes < range.to);
  }
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

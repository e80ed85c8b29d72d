import type { Clock } from '../services.js';

/** A clock that stands still until a test moves it. */
export interface FakeClock extends Clock {
  set(to: Date | string | number): void;
  advance(milliseconds: number): void;
}

export function createFakeClock(start: Date | string | number = '2026-01-05T12:00:00Z'): FakeClock {
  let current = toEpoch(start);
  return {
    now: () => new Date(current),
    set: (to) => {
      current = toEpoch(to);
    },
    advance: (milliseconds) => {
      current += milliseconds;
    },
  };
}

function toEpoch(value: Date | string | number): number {
  const epoch = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(epoch)) throw new Error(`createFakeClock: not a date: ${String(value)}`);
  return epoch;
}

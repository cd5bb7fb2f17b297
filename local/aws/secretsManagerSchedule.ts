import { AwsApiError } from './types.js';
import { readInteger, readObject, readString } from './requestFields.js';

/**
 * Rotation rules (RotateSecret's RotationRules) and the next rotation date they give.
 * AutomaticallyAfterDays (1..1000) or ScheduleExpression (`rate(N days)`, `rate(N hours)`,
 * `cron(min hour dom month dow year)`), not both; Duration `Nh` (1h..24h).
 */

export interface RotationRules {
  AutomaticallyAfterDays?: number;
  ScheduleExpression?: string;
  Duration?: string;
}

const invalid = (message: string) => new AwsApiError('InvalidParameterException', message);

/** Reads `RotationRules`. @throws ValidationException / InvalidParameterException */
export function readRotationRules(input: Record<string, unknown>): RotationRules | undefined {
  const raw = readObject(input, 'RotationRules');
  if (raw === undefined) return undefined;
  const days = readInteger(raw, 'AutomaticallyAfterDays', 1, 1000);
  const expression = readString(raw, 'ScheduleExpression', { min: 1, max: 256 });
  const duration = readString(raw, 'Duration', { min: 2, max: 3 });
  if (days !== undefined && expression !== undefined) {
    throw invalid('You can set the rotation schedule with AutomaticallyAfterDays or ScheduleExpression, but not both.');
  }
  if (expression !== undefined) parseSchedule(expression);
  if (duration !== undefined) {
    const m = /^(\d{1,2})h$/.exec(duration);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 24) throw invalid(`The Duration ${duration} is not valid: use 1h to 24h.`);
  }
  return {
    ...(days !== undefined ? { AutomaticallyAfterDays: days } : {}),
    ...(expression !== undefined ? { ScheduleExpression: expression } : {}),
    ...(duration !== undefined ? { Duration: duration } : {}),
  };
}

/** The rules as DescribeSecret shows them: AutomaticallyAfterDays is derived from a `rate(N days)` schedule. */
export function describeRules(rules: RotationRules): RotationRules {
  const schedule = rules.ScheduleExpression ? parseSchedule(rules.ScheduleExpression) : undefined;
  if (schedule?.kind === 'rate' && schedule.unitHours === 24) return { AutomaticallyAfterDays: schedule.every, ...rules };
  return { ...rules };
}

/** The first rotation due strictly after `from` under `rules`, or undefined without a schedule. */
export function nextRotationDate(rules: RotationRules | undefined, from: Date): Date | undefined {
  if (!rules) return undefined;
  if (rules.AutomaticallyAfterDays !== undefined) return new Date(from.getTime() + rules.AutomaticallyAfterDays * DAY_MS);
  if (rules.ScheduleExpression === undefined) return undefined;
  const schedule = parseSchedule(rules.ScheduleExpression);
  if (schedule.kind === 'rate') return new Date(from.getTime() + schedule.every * schedule.unitHours * HOUR_MS);
  return nextCronMatch(schedule.fields, from);
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

type Schedule = { kind: 'rate'; every: number; unitHours: 1 | 24 } | { kind: 'cron'; fields: CronFields };

interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number> | 'any' | 'last';
  months: Set<number>;
  daysOfWeek: Set<number> | 'any';
  years: Set<number> | 'any';
}

function parseSchedule(expression: string): Schedule {
  const rate = /^rate\(\s*(\d+)\s+(hours?|days?)\s*\)$/.exec(expression);
  if (rate) {
    const every = Number(rate[1]);
    const unitHours = rate[2]!.startsWith('hour') ? 1 : 24;
    // Secrets Manager rotates at most every four hours and at least every 1000 days.
    if (every < 1 || (unitHours === 1 && every < 4) || every * unitHours > 1000 * 24) {
      throw invalid(`The schedule expression ${expression} is out of range: rotate every 4 hours to 1000 days.`);
    }
    return { kind: 'rate', every, unitHours };
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (cron) {
    const parts = cron[1]!.trim().split(/\s+/);
    if (parts.length === 6) {
      const fields = parseCron(parts);
      if (fields) return { kind: 'cron', fields };
    }
  }
  throw invalid(`The schedule expression ${expression} is not valid: use rate(N hours), rate(N days) or cron(...).`);
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function parseCron(parts: string[]): CronFields | undefined {
  const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  const minutes = parseField(min, 0, 59);
  const hours = parseField(hour, 0, 23);
  const months = parseField(month, 1, 12, MONTHS, 1);
  // AWS cron numbers days of week 1 (SUN) to 7 (SAT); store them as JS getUTCDay() values.
  const daysOfWeek = dow === '?' ? 'any' : mapSet(parseField(dow, 1, 7, WEEKDAYS, 1), (d) => d - 1);
  const daysOfMonth = dom === '?' ? 'any' : dom === 'L' ? 'last' : parseField(dom, 1, 31);
  const years = year === '*' ? 'any' : parseField(year, 1970, 2199);
  // Exactly one of day-of-month and day-of-week must be '?', as in every AWS cron expression.
  if ((daysOfMonth === 'any') === (daysOfWeek === 'any')) return undefined;
  if (!minutes || !hours || !months || !daysOfWeek || !daysOfMonth || !years) return undefined;
  return { minutes, hours, daysOfMonth, months, daysOfWeek, years };
}

function mapSet(set: Set<number> | undefined, f: (n: number) => number): Set<number> | undefined {
  return set && new Set([...set].map(f));
}

/** One cron field: `*`, numbers, names, ranges `a-b`, steps `x/n`, lists `a,b`. Undefined when malformed. */
function parseField(text: string, lo: number, hi: number, names: string[] = [], nameBase = 0): Set<number> | undefined {
  const out = new Set<number>();
  const value = (s: string): number | undefined => {
    const named = names.indexOf(s.toUpperCase());
    if (named >= 0) return named + nameBase;
    if (!/^\d+$/.test(s)) return undefined;
    const n = Number(s);
    return n >= lo && n <= hi ? n : undefined;
  };
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return undefined;
    let from: number | undefined;
    let to: number | undefined;
    if (range === '*') {
      from = lo;
      to = hi;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      from = value(a);
      to = value(b);
    } else {
      from = value(range);
      to = stepText === undefined ? from : hi;
    }
    if (from === undefined || to === undefined || from > to) return undefined;
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

/** Walks forward hour by hour (bounded to five years) to the first matching minute after `from`. */
function nextCronMatch(fields: CronFields, from: Date): Date | undefined {
  const minutes = [...fields.minutes].sort((a, b) => a - b);
  const start = new Date(from.getTime());
  start.setUTCMinutes(0, 0, 0);
  for (let h = 0; h <= 5 * 366 * 24; h++) {
    const hour = new Date(start.getTime() + h * HOUR_MS);
    if (!cronDayMatches(fields, hour)) continue;
    const minute = minutes.find((m) => hour.getTime() + m * 60_000 > from.getTime());
    if (minute !== undefined) return new Date(hour.getTime() + minute * 60_000);
  }
  return undefined;
}

function cronDayMatches(fields: CronFields, t: Date): boolean {
  if (!fields.hours.has(t.getUTCHours()) || !fields.months.has(t.getUTCMonth() + 1)) return false;
  if (fields.years !== 'any' && !fields.years.has(t.getUTCFullYear())) return false;
  if (fields.daysOfWeek !== 'any') return fields.daysOfWeek.has(t.getUTCDay());
  if (fields.daysOfMonth === 'last') {
    const lastDay = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
    return t.getUTCDate() === lastDay;
  }
  return fields.daysOfMonth !== 'any' && fields.daysOfMonth.has(t.getUTCDate());
}

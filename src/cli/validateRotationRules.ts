import type { RotationRulesType } from '@aws-sdk/client-secrets-manager';
import { UsageError } from './errors.js';

// Secrets Manager's rules for a schedule (user guide, "Schedule expressions in Secrets Manager
// rotation"): rate() in hours or days, at most every four hours; cron() with six fields, one of
// day-of-month and day-of-week being "?"; a window (Duration) of 1h to 24h that neither runs
// into the next window nor past the end of the UTC day.
const RATE = /^rate\(\s*(\d+)\s+(hours?|days?)\s*\)$/;
const CRON = /^cron\(\s*(.+?)\s*\)$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;
const DURATION = /^(\d{1,2})h$/;
const MIN_RATE_HOURS = 4;
const MAX_RATE_DAYS = 1000;

const fail = (message: string): never => {
  throw new UsageError(message);
};

/** The hours a schedule repeats at, when the expression says it plainly (rate in hours, or a cron hour field that is one number). */
interface ScheduleShape {
  everyHours?: number;
  startHour?: number;
}

function checkSchedule(expression: string): ScheduleShape {
  const rate = RATE.exec(expression);
  if (rate) {
    const every = Number(rate[1]);
    const inHours = rate[2]!.startsWith('hour');
    if (every < 1) fail(`--schedule "${expression}": the rate must be a positive number`);
    if (inHours && every < MIN_RATE_HOURS) fail(`--schedule "${expression}": Secrets Manager rotates at most every ${MIN_RATE_HOURS} hours`);
    if ((inHours ? every / 24 : every) > MAX_RATE_DAYS) fail(`--schedule "${expression}": the longest rotation interval is ${MAX_RATE_DAYS} days`);
    return inHours ? { everyHours: every } : { startHour: 0 };
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const fields = cron[1]!.split(/\s+/);
    if (fields.length !== 6) {
      fail(`--schedule "${expression}": a cron expression has six fields (minutes hours day-of-month month day-of-week year), found ${fields.length}`);
    }
    if (!fields.every((f) => CRON_FIELD.test(f))) fail(`--schedule "${expression}": a cron field holds a character cron does not use`);
    const [, hours, dom, , dow] = fields as [string, string, string, string, string, string];
    if ((dom === '?') === (dow === '?')) fail(`--schedule "${expression}": exactly one of day-of-month and day-of-week must be "?"`);
    return /^\d{1,2}$/.test(hours) ? { startHour: Number(hours) } : {};
  }
  return fail(`--schedule "${expression}" is not a schedule: use rate(N days), rate(N hours) or cron(minutes hours day-of-month month day-of-week year)`);
}

/**
 * Checks `--schedule` and `--duration` as Secrets Manager would, so a typo fails before any
 * call with a message that says what is allowed, and returns the RotationRules to send.
 * @throws UsageError naming the option and the rule it breaks.
 */
export function validateRotationRules(schedule: string, duration?: string): RotationRulesType {
  const expression = schedule.trim();
  const shape = checkSchedule(expression);
  if (duration === undefined) return { ScheduleExpression: expression };
  const m = DURATION.exec(duration.trim());
  const hours = m ? Number(m[1]) : NaN;
  if (!m || hours < 1 || hours > 24) fail(`--duration "${duration}" is not a rotation window: use 1h to 24h`);
  if (shape.everyHours !== undefined && hours > shape.everyHours) {
    fail(`--duration ${hours}h is longer than the ${shape.everyHours} hours between rotations: the window would run into the next one`);
  }
  if (shape.startHour !== undefined && shape.startHour + hours > 24) {
    fail(`--duration ${hours}h starting at ${shape.startHour}:00 UTC would run past the end of the UTC day`);
  }
  return { ScheduleExpression: expression, Duration: `${hours}h` };
}

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/;

/**
 * Checks the rotation function's ARN (RotateSecret takes an ARN, not a name).
 * @throws UsageError when it is not a Lambda function ARN.
 */
export function validateFunctionArn(arn: string, source: string): string {
  if (!LAMBDA_ARN.test(arn)) fail(`${source} "${arn.slice(0, 200)}" is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)`);
  return arn;
}

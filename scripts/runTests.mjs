// `npm test`'s runner: vitest with its JSON report, then the report judged on its own
// (scripts/testReport.mjs). The run fails when vitest's exit code is non-zero, or when the
// report is missing, counts a failure or counts no test at all, whatever the exit code said.
// Extra arguments go to vitest (`npm test -- test/sync`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DEFAULT_REPORT_PATH, judgeReport } from './testReport.mjs';

const report = process.env.KEYROLL_TEST_REPORT ?? DEFAULT_REPORT_PATH;
rmSync(report, { force: true });
mkdirSync(dirname(report), { recursive: true });

// vitest's bin, found through its package.json (the bin file itself is not an export).
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const args = [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const run = spawnSync(process.execPath, args, { stdio: 'inherit' });

const verdict = judgeReport(report);
const code = run.status ?? 1;
if (run.error) console.error(`npm test: vitest could not run: ${run.error.message}`);
if (code !== 0) console.error(`npm test: vitest exited with ${run.signal ?? `code ${code}`}`);
if (!verdict.ok) console.error(`npm test: ${verdict.reason}`);
if (code === 0 && !verdict.ok) console.error('npm test: vitest exited 0 but its report says the run failed: something swallowed the exit code');
// The closing line CI reads, alone on its line: counts from the report, not from the exit code.
if (verdict.counts) console.log(`${verdict.counts.passed} passed, ${verdict.counts.failed} failed`);
process.exit(code === 0 && verdict.ok ? 0 : 1);

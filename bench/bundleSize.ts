import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import type { Bench } from './types.js';

const execFileAsync = promisify(execFile);
const HANDLERS = ['rotate', 'sync', 'redeploy'] as const;
const IMPORTS = 5;

/**
 * Each handler bundled as serverless.yml's esbuild settings do (ESM, node22, minified), its
 * size, and the median time a fresh Node process takes to import it (a cold-start proxy:
 * module evaluation, not Lambda's own init).
 */
export const run: Bench = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'keyroll-bundle-'));
  const metrics: Record<string, number> = {};
  try {
    for (const fn of HANDLERS) {
      const out = await build({
        entryPoints: [`src/handlers/${fn}.ts`],
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'node',
        target: 'node22',
        write: false,
        external: ['pg-native'],
        banner: { js: "import { createRequire as __keyrollCreateRequire } from 'node:module'; const require = __keyrollCreateRequire(import.meta.url);" },
      });
      const code = out.outputFiles[0]!.contents;
      metrics[`${fn}BundleKiB`] = Math.round(code.byteLength / 1024);
      const file = join(dir, `${fn}.mjs`);
      await writeFile(file, code);
      const times: number[] = [];
      for (let i = 0; i < IMPORTS; i++) {
        const { stdout } = await execFileAsync(
          process.execPath,
          ['--input-type=module', '-e', `const t=performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now()-t)`],
          { env: { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', POWERTOOLS_LOG_LEVEL: 'SILENT' } },
        );
        times.push(Number(stdout.trim()));
      }
      times.sort((a, b) => a - b);
      metrics[`${fn}ImportMsMedian`] = Math.round(times[Math.floor(times.length / 2)]!);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { name: 'bundleSize', metrics, params: { minify: true, format: 'esm', target: 'node22', importsPerHandler: IMPORTS } };
};

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleHandler, HANDLER_KEYS } from '../local/handlerBundles.js';
import type { Bench } from './types.js';

const execFileAsync = promisify(execFile);
const IMPORTS = 5;

/**
 * Each handler bundled exactly as deployed (serverless.yml's esbuild settings: minified, keepNames,
 * a linked source map), its size and its map's, and the median time a fresh Node process with
 * `--enable-source-maps` (the functions' NODE_OPTIONS) takes to import it: a cold-start proxy
 * (module evaluation, not Lambda's own init).
 */
export const run: Bench = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'keyroll-bundle-'));
  const metrics: Record<string, number> = {};
  try {
    for (const key of HANDLER_KEYS) {
      const bundle = await bundleHandler(key);
      const out = join(dir, key);
      await mkdir(out, { recursive: true });
      const file = join(out, `${key}.mjs`);
      await writeFile(file, bundle.code);
      if (bundle.sourceMap) await writeFile(`${file}.map`, bundle.sourceMap);
      metrics[`${key}BundleKiB`] = Math.round(bundle.code.byteLength / 1024);
      metrics[`${key}SourceMapKiB`] = Math.round((bundle.sourceMap?.byteLength ?? 0) / 1024);
      const times: number[] = [];
      for (let i = 0; i < IMPORTS; i++) {
        const { stdout } = await execFileAsync(
          process.execPath,
          ['--enable-source-maps', '--input-type=module', '-e', `const t=performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now()-t)`],
          { env: { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', POWERTOOLS_LOG_LEVEL: 'SILENT' } },
        );
        times.push(Number(stdout.trim().split('\n').at(-1)));
      }
      times.sort((a, b) => a - b);
      metrics[`${key}ImportMsMedian`] = Math.round(times[Math.floor(times.length / 2)]!);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { name: 'bundleSize', metrics, params: { asDeployed: 'serverless.yml custom.esbuild (minify, keepNames, sourcemap linked, mainFields module-first)', nodeFlags: '--enable-source-maps', importsPerHandler: IMPORTS } };
};

import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';
import type { Bench } from './types.js';

/**
 * `npm run bench [name…]`: runs the benchmarks (all, or those named) one after the other
 * and writes each result to bench/results/<name>.json with the machine and time.
 */
const registry: Record<string, () => Promise<{ run: Bench }>> = {
  pipeline: () => import('./pipeline.js'),
  steadyState: () => import('./steadyState.js'),
  fullDrift: () => import('./fullDrift.js'),
  fleetRedeploy: () => import('./fleetRedeploy.js'),
  redeployDiscovery: () => import('./redeployDiscovery.js'),
  rotation: () => import('./rotation.js'),
  bundleSize: () => import('./bundleSize.js'),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in registry));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(registry).join(', ')}`);
  process.exit(2);
}
const outDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
await mkdir(outDir, { recursive: true });
for (const name of wanted.length ? wanted : Object.keys(registry)) {
  const { run } = await registry[name]!();
  const result = await run();
  const record = { ...result, at: new Date().toISOString(), node: process.version, cpus: cpus().length };
  await writeFile(join(outDir, `${name}.json`), JSON.stringify(record, null, 2) + '\n');
  console.log(`${name}: ${JSON.stringify(result.metrics)}`);
}

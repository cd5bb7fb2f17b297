#!/usr/bin/env node
// The `keyroll` bin (package.json "bin"). Two ways to run, picked by what sits next to it:
// - a checkout (src/cli/main.ts present, tsx installed): the TypeScript sources, with no build
//   step. tsx's ESM loader is registered in this process and main.ts is imported;
// - the installed package (`npm install keyroll-*.tgz`: no src/, no dev toolchain): the bundle
//   dist/cli/main.mjs that `npm pack` builds (scripts/buildCli.mjs), every library inside it.
// Either way the CLI runs in this process: arguments, stdio, signals and the exit code are its own.
//
// The CLI runs on Node.js 20 or newer (package.json engines; the bundle targets node20), so no
// path needs the node@22 devDependency: that one is for the Lambda-side tooling (npm test,
// npm start), guarded by scripts/require-node22.mjs.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'src', 'cli', 'main.ts');
const bundle = join(root, 'dist', 'cli', 'main.mjs');

if (Number(process.versions.node.split('.')[0]) < 20) {
  console.error(`keyroll needs Node.js 20 or newer; this is Node ${process.versions.node}.`);
  process.exit(1);
}

/** tsx's resolvable entry when the checkout has it installed, else undefined. */
function tsxApi() {
  try {
    return createRequire(join(root, 'package.json')).resolve('tsx/esm/api');
  } catch {
    return undefined;
  }
}

if (existsSync(sources) && tsxApi()) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(sources).href);
} else if (existsSync(bundle)) {
  await import(pathToFileURL(bundle).href);
} else if (existsSync(sources)) {
  console.error('keyroll: tsx is not installed: run `npm ci` in the keyroll checkout (the CLI runs its TypeScript sources through tsx), or build the bundle with `node scripts/buildCli.mjs`.');
  process.exit(1);
} else {
  console.error(`keyroll: this installation is incomplete: neither ${sources} nor ${bundle} exists. Reinstall the package.`);
  process.exit(1);
}

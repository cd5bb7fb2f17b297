#!/usr/bin/env node
// The `keyroll` bin (package.json "bin"): runs the TypeScript CLI in src/cli/ straight from a
// clone, with no build step. tsx's ESM loader is registered in this process and main.ts is
// imported, so arguments, stdio, signals and the exit code are the CLI's own (no child process).
//
// keyroll needs Node.js 22 (the Lambda runtime it targets). `npx keyroll` and npm scripts put
// node_modules/.bin first on PATH, so the `node` devDependency (Node 22) already runs this file;
// a shell that resolves `node` to an older system Node gets this file re-run once with that
// Node 22 binary, or a clear message when it is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');
const REEXEC_MARK = 'KEYROLL_BIN_REEXEC';

if (Number(process.versions.node.split('.')[0]) < 22) {
  const node22 = join(root, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(node22) && process.env[REEXEC_MARK] !== '1') {
    const child = spawnSync(node22, [self, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, [REEXEC_MARK]: '1' } });
    if (child.error) {
      console.error(`keyroll: cannot start ${node22}: ${child.error.message}`);
      process.exit(1);
    }
    // A child killed by a signal reports it the shell way: 128 + signal number.
    process.exit(child.status ?? (child.signal ? 128 + (({ SIGINT: 2, SIGTERM: 15, SIGKILL: 9 })[child.signal] ?? 1) : 1));
  }
  console.error(
    `keyroll needs Node.js 22 or newer; this is Node ${process.versions.node}.\n` +
      'Run `npm ci` in the keyroll checkout (without --ignore-scripts, so the node@22 devDependency installs), then `npx keyroll` or `npm run keyroll --`.',
  );
  process.exit(1);
}

let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch {
  console.error('keyroll: tsx is not installed: run `npm ci` in the keyroll checkout (the CLI runs its TypeScript sources through tsx).');
  process.exit(1);
}
register();
await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);

// Bundles the operator CLI (src/cli/main.ts) into one ESM file for the published package:
// dist/cli/main.mjs, every library inside it, so `npm install keyroll-*.tgz` needs nothing from
// the registry and no dev toolchain (tsx, TypeScript) to run `keyroll`. Run by `prepack`
// (`npm pack`, `npm publish`), or by hand: `node scripts/buildCli.mjs`.
//
// The options follow serverless.yml's custom.esbuild (the Lambda bundles) where they apply:
// - mainFields module,main: the AWS SDK's ES modules (dist-es), which tree-shake; esbuild's
//   node default picks the CommonJS builds and the bundle grows several times over.
// - a createRequire banner: pg and a few SDK helpers are CommonJS and call require().
// - pg-native external: pg loads it optionally (inside a try), keyroll never uses it.
// Unlike the Lambda bundles, @aws-sdk/client-rds is bundled: there is no Lambda runtime to supply
// it, and src/aws.ts's dynamic import('@aws-sdk/client-rds') must resolve inside this file.
// Target node20: the installed CLI runs on Node >= 20 (package.json engines); the Lambda
// functions keep node22. esbuild lowers syntax only: the sources must not use Node-22-only APIs
// (test/cli/pack.test.ts runs the installed CLI on the system Node 20).
//
// The file sits at dist/cli/, the depth of src/cli/: src/cli/runCli.ts reads its version with
// createRequire(import.meta.url)('../../package.json') at run time (esbuild leaves that call
// alone), which from here resolves to the package's own package.json, as from the sources.
import { build } from 'esbuild';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BUNDLE = join(root, 'dist', 'cli', 'main.mjs');

const isBuiltin = (path) => path.startsWith('node:') || builtinModules.includes(path.split('/')[0]) || builtinModules.includes(path);

export async function buildCli() {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/cli/main.ts'],
    outfile: CLI_BUNDLE,
    bundle: true,
    minify: true,
    // Error class names (RotationStateError…) stay readable in --verbose output, as in the Lambda logs.
    keepNames: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __keyrollCreateRequire } from 'node:module'; const require = __keyrollCreateRequire(import.meta.url);",
    },
    external: ['pg-native'],
    // The SDK warns on Node < 22 that its versions published after January 2027 will need Node 22.
    // The bundle freezes the SDK it was built with: a user cannot act on that by upgrading Node
    // (a later keyroll with a newer SDK raises engines instead), so the warning is off in it.
    define: { 'process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED': '"true"' },
    // One file: the dynamic import of @aws-sdk/client-rds is inlined rather than split into a chunk.
    splitting: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  // Nothing but pg-native and Node's built-ins may stay outside: the package installs no dependency.
  const outside = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) if (imp.external && !isBuiltin(imp.path) && imp.path !== 'pg-native') outside.add(imp.path);
  }
  if (outside.size > 0) throw new Error(`the CLI bundle leaves imports outside it: ${[...outside].join(', ')}`);
  // The runtime read of the version (see above) must find this package's package.json.
  const version = JSON.parse(readFileSync(join(dirname(CLI_BUNDLE), '..', '..', 'package.json'), 'utf8')).version;
  if (typeof version !== 'string') throw new Error('package.json two levels above the CLI bundle has no version');
  return { file: CLI_BUNDLE, bytes: statSync(CLI_BUNDLE).size };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { file, bytes } = await buildCli();
  console.error(`keyroll: built ${relative(root, file)} (${(bytes / 1024).toFixed(0)} KiB)`);
}

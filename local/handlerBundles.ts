import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { parse } from 'yaml';
import { KeyrollError } from '../src/errors.js';

/** The functions serverless.yml deploys, by their key there. */
export const HANDLER_KEYS = ['rotate', 'sync', 'redeploy'] as const;
export type HandlerKey = (typeof HANDLER_KEYS)[number];

/** serverless.yml's esbuild settings could not be read. */
export class HandlerBundleError extends KeyrollError {}

/** One handler bundled as serverless-esbuild bundles it for deploy. */
export interface HandlerBundle {
  key: HandlerKey;
  /** The entry file, e.g. `src/handlers/rotate.ts`. */
  entry: string;
  /** The `.mjs` code as deployed. */
  code: Uint8Array;
  /** The linked source map, when serverless.yml asks for one. */
  sourceMap: Uint8Array | undefined;
  /** esbuild's metafile: every input file and the imports between them. */
  metafile: Metafile;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The esbuild options serverless.yml's `custom.esbuild` gives serverless-esbuild (bundle, minify,
 * keepNames, sourcemap, format, platform, target, banner, external, mainFields), so tests and benchmarks
 * build exactly what deploys, and a change there reaches them.
 * @throws HandlerBundleError when serverless.yml cannot be read or has no `custom.esbuild`.
 */
export async function deployedEsbuildOptions(serviceDir = process.cwd()): Promise<BuildOptions> {
  let doc: unknown;
  try {
    doc = parse(await readFile(join(serviceDir, 'serverless.yml'), 'utf8'), { logLevel: 'silent' });
  } catch (err) {
    throw new HandlerBundleError(`cannot read serverless.yml in ${serviceDir}: ${(err as Error).message}`, { cause: err });
  }
  const custom = isObject(doc) && isObject(doc['custom']) ? doc['custom'] : undefined;
  const o = custom && isObject(custom['esbuild']) ? custom['esbuild'] : undefined;
  if (!o) throw new HandlerBundleError('serverless.yml has no custom.esbuild section');
  const pick = <T>(key: string, ok: (v: unknown) => v is T): T | undefined => (ok(o[key]) ? (o[key] as T) : undefined);
  const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
  const isString = (v: unknown): v is string => typeof v === 'string';
  const sourcemap = pick('sourcemap', (v): v is boolean | 'linked' | 'inline' | 'external' | 'both' => isBool(v) || isString(v));
  const banner = pick('banner', isObject);
  const external = pick('external', (v): v is string[] => Array.isArray(v) && v.every(isString));
  const mainFields = pick('mainFields', (v): v is string[] => Array.isArray(v) && v.every(isString));
  return {
    bundle: pick('bundle', isBool) ?? true,
    minify: pick('minify', isBool) ?? false,
    keepNames: pick('keepNames', isBool) ?? false,
    ...(sourcemap !== undefined ? { sourcemap } : {}),
    format: (pick('format', isString) as BuildOptions['format']) ?? 'esm',
    platform: (pick('platform', isString) as BuildOptions['platform']) ?? 'node',
    target: pick('target', isString) ?? 'node22',
    ...(banner ? { banner: banner as Record<string, string> } : {}),
    ...(external ? { external } : {}),
    ...(mainFields ? { mainFields } : {}),
  };
}

/**
 * Bundles one handler as deployed, in memory (nothing written), with its metafile.
 * @throws HandlerBundleError for unreadable settings; esbuild's own error for code that does not build.
 */
export async function bundleHandler(key: HandlerKey, serviceDir = process.cwd()): Promise<HandlerBundle> {
  const options = await deployedEsbuildOptions(serviceDir);
  const entry = `src/handlers/${key}.ts`;
  const out = await build({
    ...options,
    absWorkingDir: serviceDir,
    entryPoints: [entry],
    outfile: join(serviceDir, '.esbuild', `${key}.mjs`),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = out.outputFiles.find((f) => f.path.endsWith('.mjs'));
  if (!code) throw new HandlerBundleError(`esbuild produced no .mjs for ${entry}`);
  const map = out.outputFiles.find((f) => f.path.endsWith('.mjs.map'));
  return { key, entry, code: code.contents, sourceMap: map?.contents, metafile: out.metafile };
}

import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (/\.(ts|mjs)$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** Relative imports of a file resolved to `src/...` paths, and bare package imports. */
async function importsOf(file: string): Promise<{ local: string[]; packages: string[]; text: string }> {
  const text = await readFile(file, 'utf8');
  const specs = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
  const local = specs.filter((s) => s.startsWith('.')).map((s) => relative('.', join(file, '..', s)).replace(/\.js$/, '.ts'));
  const packages = specs.filter((s) => !s.startsWith('.'));
  return { local, packages, text };
}

const DEPLOYABLE = ['src/handlers', 'src/rotation', 'src/sync', 'src/redeploy', 'src/postgres'];
const TOP_LEVEL = ['src/aws.ts', 'src/config.ts', 'src/errors.ts', 'src/events.ts', 'src/secret.ts'];
const DOMAINS = ['src/rotation', 'src/sync', 'src/redeploy'];

describe('module boundaries (DESIGN.md §2)', () => {
  it('keeps the local stack and the CLI out of deployable code', async () => {
    const offenders: string[] = [];
    for (const dir of DEPLOYABLE) {
      for (const file of await filesUnder(dir)) {
        for (const dep of (await importsOf(file)).local) if (dep.startsWith('src/local') || dep.startsWith('src/cli')) offenders.push(`${file} → ${dep}`);
      }
    }
    for (const file of TOP_LEVEL) {
      for (const dep of (await importsOf(file)).local) if (!TOP_LEVEL.includes(dep)) offenders.push(`${file} → ${dep}`);
    }
    expect(offenders).toEqual([]);
  });

  it('lets no domain module import another domain module, and postgres/ none of them', async () => {
    const offenders: string[] = [];
    for (const dir of [...DOMAINS, 'src/postgres']) {
      for (const file of await filesUnder(dir)) {
        for (const dep of (await importsOf(file)).local) {
          const other = DOMAINS.find((d) => dep.startsWith(`${d}/`));
          if (other && other !== dir) offenders.push(`${file} → ${dep}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('imports pg only in src/postgres/ (deployable code)', async () => {
    const offenders: string[] = [];
    for (const dir of DEPLOYABLE.filter((d) => d !== 'src/postgres')) {
      for (const file of await filesUnder(dir)) if ((await importsOf(file)).packages.some((p) => p === 'pg' || p.startsWith('pg/'))) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });

  it('reads process.env only in src/config.ts (deployable code)', async () => {
    const offenders: string[] = [];
    for (const dir of DEPLOYABLE) {
      for (const file of await filesUnder(dir)) if ((await importsOf(file)).text.includes('process.env')) offenders.push(file);
    }
    for (const file of TOP_LEVEL.filter((f) => f !== 'src/config.ts')) if ((await readFile(file, 'utf8')).includes('process.env')) offenders.push(file);
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

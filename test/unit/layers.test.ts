/**
 * The layers of docs/architecture.md, held by the suite: which top-level
 * folder may import which, and no import circles between files. Imports are
 * read with TypeScript's own pre-processor (static, `export … from` and
 * dynamic `import()`), from .ts, .mjs and the scripts of .svelte files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** What each product layer may import besides itself; test, bench and scripts may import anything. */
const ALLOWED: Record<string, readonly string[]> = {
  common: [],
  alerting: ['common'],
  config: ['common', 'alerting'],
  storage: ['common', 'config'],
  collector: ['common', 'config', 'storage'],
  simulator: ['common', 'config', 'storage', 'collector'],
  server: ['common', 'alerting', 'config', 'storage', 'collector'],
  app: ['common', 'alerting', 'config', 'storage', 'collector', 'server', 'simulator'],
  central: ['common', 'alerting', 'config', 'storage', 'collector', 'server', 'simulator', 'app'],
  cli: ['common', 'alerting', 'config', 'storage', 'collector', 'server', 'simulator', 'app', 'central'],
  // The launcher runs the compiled build when scripts/build-js.mjs says it is fresh, else the sources.
  bin: ['cli', 'scripts', 'build'],
  web: ['common'],
};

const SOURCE = /\.(ts|mjs|svelte)$/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(entry.name)) out.push(path);
  }
  return out;
}

/** The repository-relative files a source file imports (relative specifiers only: packages are not ours). */
export function importsOf(file: string, text: string): string[] {
  const code = file.endsWith('.svelte') ? [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n') : text;
  return ts
    .preProcessFile(code, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)));
}

/** The layer of a repository-relative path: its top folder (`web/src/...` is `web`). */
const layerOf = (path: string) => path.split('/')[0]!;

function graph(): Map<string, string[]> {
  const dirs = [...Object.keys(ALLOWED).filter((d) => d !== 'web'), 'web/src', 'test', 'bench', 'scripts'];
  const edges = new Map<string, string[]>();
  for (const dir of dirs) for (const file of sourceFiles(dir)) edges.set(file, importsOf(file, readFileSync(join(ROOT, file), 'utf8')));
  return edges;
}

/** Strongly connected groups of more than one file, or a file importing itself (Tarjan). */
export function circles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || edges.get(v)?.includes(v)) found.push(group.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Imports that point where their layer may not look, as "from -> to". */
export function backArrows(edges: ReadonlyMap<string, readonly string[]>): string[] {
  const wrong: string[] = [];
  for (const [from, targets] of edges) {
    const allowed = ALLOWED[layerOf(from)];
    if (!allowed) continue;
    for (const to of targets) {
      const layer = layerOf(to);
      if (layer !== layerOf(from) && !allowed.includes(layer)) wrong.push(`${from} -> ${to}`);
    }
  }
  return wrong;
}

describe('layers', () => {
  const edges = graph();

  it('reads the imports of the whole tree', () => {
    // A parser that found nothing would pass every rule below.
    expect(edges.size).toBeGreaterThan(200);
    expect(edges.get('server/state/engine.ts')).toContain('server/state/machine.ts');
    expect(edges.get('web/src/App.svelte')?.length).toBeGreaterThan(0);
  });

  it('has no import pointing against the layers', () => {
    expect(backArrows(edges)).toEqual([]);
  });

  it('has no import circles between files', () => {
    expect(circles(edges)).toEqual([]);
  });

  it('catches a back-arrow and a circle when there is one', () => {
    const bad = new Map([
      ['config/a.ts', ['server/b.ts']],
      ['server/b.ts', ['server/c.ts']],
      ['server/c.ts', ['server/b.ts']],
      ['web/src/x.svelte', ['server/b.ts', 'common/api.ts']],
    ]);
    expect(backArrows(bad)).toEqual(['config/a.ts -> server/b.ts', 'web/src/x.svelte -> server/b.ts']);
    expect(circles(bad)).toEqual([['server/b.ts', 'server/c.ts']]);
  });

  it('reads static, re-exported, dynamic and Svelte script imports', () => {
    const text = [
      "import type { A } from '../common/api.ts';",
      "export { B } from './b.ts';",
      "const c = await import('../config/load.ts');",
      "import 'zod';",
    ].join('\n');
    expect(importsOf('server/x.ts', text)).toEqual(['common/api.ts', 'server/b.ts', 'config/load.ts']);
    expect(importsOf('web/src/P.svelte', `<script lang="ts">\n  import X from './X.svelte';\n</script>\n<p>import './no.ts'</p>`)).toEqual([
      'web/src/X.svelte',
    ]);
  });
});

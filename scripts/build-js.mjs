#!/usr/bin/env node
// `npm run build`: the product as plain JavaScript in build/, what production
// runs (bin/merezha.mjs when the build is fresh, the Debian package always),
// so no tsx loader thread (36 MB RSS) and no TypeScript compile at start.
//
// One esbuild bundle of our code, split at the commands' dynamic imports:
// a command loads only the chunks it reaches (check-config parses no server,
// the server no report), fewer and smaller modules to parse and hold than a
// file per source, and no resolution of .ts specifiers at run time. The npm
// packages stay external: they load from node_modules as they are (pdfkit
// reads its font data beside its own files). Source maps are written beside
// the chunks without the sources' text; Node reads them only under
// --enable-source-maps (NODE_OPTIONS), which costs memory for every chunk.
//
// Every output file sits directly in build/, so one relative path leads from
// any chunk to the root of the tree. A module's import.meta.url (and dirname,
// filename) becomes the place its source had, relative to the chunk it lands
// in: `new URL('../package.json', import.meta.url)` in cli/version.ts still
// reaches package.json, the native pinger, web/dist and the example configs,
// in a clone and in /usr/lib/merezha alike.
//
// build/manifest.json records every source of the build with its mtime and
// size: isFresh() says whether the build still matches the tree, in a few
// milliseconds of stat calls, so an edited .ts runs through tsx instead.
//
//   node scripts/build-js.mjs             build
//   node scripts/build-js.mjs --if-stale  build unless fresh (npm start, npm test)
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT_DIR = join(ROOT, 'build');
/** The entry that runs the merezha command line (what bin/merezha.mjs and /usr/bin/merezha start). */
export const MAIN = 'merezha.mjs';
/** The short-lived step that prints `merezha start`'s V8 heap flags (app/heap.ts). */
export const NODE_FLAGS = 'node-flags.mjs';
const MANIFEST = 'manifest.json';
const THIS = relative(ROOT, fileURLToPath(import.meta.url));

/** The entries, as modules of their own so that the bundle holds no code of ours that is not in the tree. */
const ENTRIES = {
  merezha: `import { main } from './cli/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n`,
  'node-flags': `import { resolveConfigPath } from './cli/args.ts';\nimport { startNodeFlags } from './app/heap.ts';\nconst flags = await startNodeFlags(process.argv.slice(2), process.env, resolveConfigPath);\nprocess.stdout.write(flags.join(' '));\n`,
};

/** Whether `outDir` holds a build of the tree at `root` as it is now: every source of it unchanged since. */
export function isFresh(root = ROOT, outDir = join(root, 'build')) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(outDir, MANIFEST), 'utf8'));
  } catch {
    return false;
  }
  if (!existsSync(join(outDir, MAIN))) return false;
  for (const [file, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
    let st;
    try {
      st = statSync(join(root, file));
    } catch {
      return false;
    }
    if (st.mtimeMs !== mtimeMs || st.size !== size) return false;
  }
  return true;
}

/** Rewrites a source's import.meta location fields to where that source sits, seen from the chunks in `outDir`. */
function keepSourceLocations(root, outDir, entries) {
  return {
    name: 'merezha-source-locations',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta')) return { contents: text, loader: 'ts' };
        const file = relative(outDir, args.path).split(sep).join('/');
        const dir = relative(outDir, dirname(args.path)).split(sep).join('/') || '.';
        const contents = text
          .replaceAll('import.meta.url', `new URL(${JSON.stringify(file)}, import.meta.url).href`)
          .replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify(`/${dir}`)})`)
          .replaceAll('import.meta.filename', `(import.meta.dirname + ${JSON.stringify(`/${file}`)})`);
        return { contents, loader: 'ts' };
      });
      build.onResolve({ filter: /^merezha-entry:/ }, (args) => ({
        path: args.path.slice('merezha-entry:'.length),
        namespace: 'merezha-entry',
      }));
      build.onLoad({ filter: /.*/, namespace: 'merezha-entry' }, (args) => ({
        contents: entries[args.path],
        loader: 'ts',
        resolveDir: root,
      }));
    },
  };
}

/**
 * Builds the tree at `root` into `outDir`. The new build is written beside it
 * and swapped in by renames, so a merezha starting meanwhile sees the old
 * build, none (and runs tsx), or the new one, never half of one. The
 * benchmarks build their collector process with other `entries` (name →
 * module text), so that it runs as production does.
 */
export async function build(root = ROOT, outDir = join(root, 'build'), entries = ENTRIES) {
  const { build: esbuild } = await import('esbuild');
  const staging = `${outDir}.next-${process.pid}`;
  const old = `${outDir}.old-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: Object.keys(entries).map((name) => ({ in: `merezha-entry:${name}`, out: name })),
    outdir: staging,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    sourcemap: 'linked',
    sourcesContent: false,
    // cli/version.ts tells which runtime runs it.
    define: { MEREZHA_COMPILED: 'true' },
    metafile: true,
    logLevel: 'warning',
    plugins: [keepSourceLocations(root, outDir, entries)],
  });
  const inputs = {};
  for (const file of [...Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('merezha-entry:')), THIS]) {
    const st = statSync(join(root, file));
    inputs[file] = [st.mtimeMs, st.size];
  }
  writeFileSync(join(staging, MANIFEST), `${JSON.stringify({ builtAt: new Date().toISOString(), inputs }, null, 1)}\n`);
  // Another build of the same tree may swap at the same time (parallel test files): either result is as fresh.
  const unlessRaced = (fn) => {
    try {
      fn();
    } catch (err) {
      if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes(err.code)) throw err;
    }
  };
  unlessRaced(() => renameSync(outDir, old));
  unlessRaced(() => renameSync(staging, outDir));
  rmSync(staging, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
  return { files: Object.keys(result.metafile.outputs).length, inputs: Object.keys(inputs).length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--if-stale') && isFresh()) process.exit(0);
  const t0 = performance.now();
  try {
    const { files, inputs } = await build();
    console.error(
      `merezha: built ${relative(process.cwd(), OUT_DIR) || '.'} (${inputs} sources → ${files} files) in ${Math.round(performance.now() - t0)} ms`,
    );
  } catch (err) {
    console.error(`merezha build: ${err.message}`);
    process.exit(1);
  }
}

import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const web = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

// `vite` (dev) forwards the API and the socket to a running Merezha given as MEREZHA_URL.
const backend = process.env.MEREZHA_URL;

/**
 * What the overview's first load runs, kept in one chunk: the browser fetches each file of the first load on its own
 * request, and on a busy box each costs more than its bytes. A component that joins the overview without being named
 * here still works; it comes as a file of its own.
 */
const FIRST_SCRIPT = new RegExp(
  [
    String.raw`/node_modules/(svelte|socket\.io-client|socket\.io-parser|engine\.io-client|engine\.io-parser|@socket\.io|leaflet|clsx)/`,
    String.raw`/common/`,
    String.raw`/web/src/lib/`,
    String.raw`/web/src/components/(AppShell|HeaderBar|ErrorNotice|PageHeading|StateBadge|PowerBadge|PowerSlots|UptimeList|VillageCard|StateMap|VillageMap)\.svelte`,
    String.raw`/web/src/pages/(Login|NotFound)\.svelte`,
  ].join('|'),
);

export default defineConfig({
  root: web,
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Two pages: a hromada's dashboard (index.html) and the oblast's (oblast.html, served by `merezha central`).
    rolldownOptions: {
      input: { index: `${web}index.html`, oblast: `${web}oblast.html` },
      output: { codeSplitting: { groups: [{ name: 'app', test: FIRST_SCRIPT }] } },
    },
    // One stylesheet for every page (the lazy pages add ~10 KB to it): one request on the first load, not three.
    cssCodeSplit: false,
    // Every browser we support preloads modules itself; the polyfill would be one more file on the first load.
    modulePreload: { polyfill: false },
  },
  server: {
    // The shared contract lives in ../common/api.ts, outside the web root.
    fs: { allow: [repo] },
    proxy: backend ? { '/api': backend, '/socket.io': { target: backend, ws: true } } : undefined,
  },
});

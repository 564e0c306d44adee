import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

const web = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

// `vite` (dev) forwards the API and the socket to a running Merezha given as MEREZHA_URL.
const backend = process.env.MEREZHA_URL;

/**
 * What the overview's first load runs, kept in one chunk: the browser fetches each file of the first load on its own
 * request, and on a busy box each costs more than its bytes. A component that joins the overview without being named
 * here still works; it comes as a file of its own. The socket's code (socket.io) is not here: it is loaded once the
 * overview is on screen (lib/live.svelte.ts).
 */
const FIRST_SCRIPT = new RegExp(
  [
    String.raw`/node_modules/(svelte|leaflet|clsx)/`,
    String.raw`/common/`,
    String.raw`/web/src/lib/`,
    String.raw`/web/src/components/(AppShell|HeaderBar|ErrorNotice|PageHeading|StateBadge|PowerBadge|PowerSlots|UptimeList|VillageCard|StateMap|VillageMap)\.svelte`,
    String.raw`/web/src/pages/(Login|NotFound)\.svelte`,
  ].join('|'),
);

/**
 * Leaflet probes for Internet Explorer's VML as it loads, by calling `document.namespaces.add`, which throws a TypeError
 * in every other browser: an exception on every page load, which costs milliseconds (tens with developer tools or a
 * test driver attached, which record it). Probed only where `document.namespaces` exists, with the same outcome.
 */
function leafletWithoutVmlProbe(): Plugin {
  const probe = "try {\n\t\tdocument.namespaces.add('lvml', 'urn:schemas-microsoft-com:vml');";
  return {
    name: 'merezha:leaflet-without-vml-probe',
    transform(code, id) {
      if (!id.endsWith('/leaflet/dist/leaflet-src.esm.js')) return null;
      if (!code.includes(probe)) this.error('Leaflet’s VML probe is not where it was: check this plugin against the new Leaflet');
      return { code: code.replace(probe, `if (document.namespaces) ${probe}`), map: null };
    },
  };
}

export default defineConfig({
  root: web,
  plugins: [svelte({ configFile: false }), leafletWithoutVmlProbe()],
  // Leaflet's package names its UMD build only; its ES module build needs no CommonJS wrapper around it.
  resolve: { alias: [{ find: /^leaflet$/, replacement: 'leaflet/dist/leaflet-src.esm.js' }] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Two pages: a hromada's dashboard (index.html) and the oblast's (oblast.html, served by `merezha central`).
    rolldownOptions: {
      input: { index: `${web}index.html`, oblast: `${web}oblast.html` },
      output: {
        codeSplitting: {
          groups: [
            { name: 'app', test: FIRST_SCRIPT },
            {
              name: 'socket',
              test: /\/node_modules\/(socket\.io-client|socket\.io-parser|engine\.io-client|engine\.io-parser|@socket\.io)\//,
            },
          ],
        },
      },
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

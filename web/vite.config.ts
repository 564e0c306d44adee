import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const web = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

// `vite` (dev) forwards the API and the socket to a running Merezha given as MEREZHA_URL.
const backend = process.env.MEREZHA_URL;

export default defineConfig({
  root: web,
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Two pages: a hromada's dashboard (index.html) and the oblast's (oblast.html, served by `merezha central`).
    rolldownOptions: { input: { index: `${web}index.html`, oblast: `${web}oblast.html` } },
  },
  server: {
    // The shared contract lives in ../common/api.ts, outside the web root.
    fs: { allow: [repo] },
    proxy: backend ? { '/api': backend, '/socket.io': { target: backend, ws: true } } : undefined,
  },
});

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
  },
  server: {
    // The shared contract lives in ../common/api.ts, outside the web root.
    fs: { allow: [repo] },
    proxy: backend ? { '/api': backend, '/socket.io': { target: backend, ws: true } } : undefined,
  },
});

#!/usr/bin/env -S node --openssl-legacy-provider
// Launcher of a clone (`npx merezha`, `npm start`, the tests): runs the
// compiled build (npm run build, scripts/build-js.mjs) when it matches the
// sources, else the TypeScript sources through tsx, so an edited .ts runs as
// edited without a build step. The build skips tsx's loader thread (36 MB)
// and the compile at start; the Debian package ships only the build and runs
// it without this launcher (debian/merezha). `merezha --version` says which.
// The OpenSSL legacy provider (shebang flag) is what SNMPv3 DES privacy needs on Node 20.
import { isFresh } from '../scripts/build-js.mjs';

if (isFresh()) {
  await import('../build/merezha.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}

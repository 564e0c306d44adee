#!/usr/bin/env -S node --openssl-legacy-provider
// Launcher: lets `npx merezha` run the TypeScript sources directly through tsx.
// The OpenSSL legacy provider (shebang flag) is what SNMPv3 DES privacy needs on Node 20.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

import { readFileSync } from 'node:fs';

/** Merezha's version, from package.json. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/** Defined (true) by scripts/build-js.mjs in the compiled build only. */
declare const MEREZHA_COMPILED: boolean | undefined;

/** What runs this process: the compiled JavaScript of `npm run build`, or the TypeScript sources through tsx. */
export const RUNTIME: 'compiled' | 'tsx' = typeof MEREZHA_COMPILED !== 'undefined' && MEREZHA_COMPILED ? 'compiled' : 'tsx';

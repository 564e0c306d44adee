// Types of scripts/build-js.mjs (plain JavaScript: bin/merezha.mjs imports it without tsx), for the tests.
export const ROOT: string;
export const OUT_DIR: string;
export const MAIN: string;
export const NODE_FLAGS: string;
export function isFresh(root?: string, outDir?: string): boolean;
export function build(root?: string, outDir?: string, entries?: Record<string, string>): Promise<{ files: number; inputs: number }>;

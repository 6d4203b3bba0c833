import { readFileSync } from 'node:fs';

/** package.json's version, the one version the CLI prints and archives record. src/ and dist/ both sit beside it. */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

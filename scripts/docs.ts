// Rewrites the generated parts of the docs: the InfluxDB schema block in README.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceSchemaDoc } from '../storage/schema-doc.ts';

const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, replaceSchemaDoc(readFileSync(readme, 'utf8')));

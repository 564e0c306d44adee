/** Generated documentation must match what the code writes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MEASUREMENTS } from '../../storage/measurements.ts';
import { renderSchemaDoc, replaceSchemaDoc } from '../../storage/schema-doc.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('carries the current InfluxDB schema (run `npm run docs` after changing measurements.ts)', () => {
    expect(replaceSchemaDoc(readme)).toBe(readme);
  });

  it('documents every measurement and field', () => {
    const doc = renderSchemaDoc();
    for (const [name, spec] of Object.entries(MEASUREMENTS)) {
      expect(doc).toContain(`### \`${name}\``);
      for (const field of Object.keys(spec.fields)) expect(doc).toContain(`| \`${field}\` |`);
    }
  });

  it('shows the two commands', () => {
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });
});

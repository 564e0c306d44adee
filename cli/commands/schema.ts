/** `merezha schema [--out FILE]`: the JSON Schema of the config file, for editors. */
import { writeFileSync } from 'node:fs';
import { renderConfigJsonSchema } from '../../config/json-schema.ts';
import { parse } from '../args.ts';

export const OPTIONS = { out: { type: 'string' } } as const;

export async function schemaCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, OPTIONS);
  const text = renderConfigJsonSchema();
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  return 0;
}

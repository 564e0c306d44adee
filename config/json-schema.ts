/**
 * The JSON Schema of hromada.yaml, generated from the zod schema, for editors.
 *
 * With `# yaml-language-server: $schema=./hromada.schema.json` at the top of
 * the file, VS Code (Red Hat YAML extension) and other editors complete keys
 * and flag unknown ones while typing. It describes what may be written (zod's
 * input side): durations are strings such as "10s". The committed copy,
 * config/hromada.schema.json, is checked against this by a unit test;
 * `npm run schema` rewrites it.
 */
import { z } from 'zod';
import { configSchema } from './schema.ts';

const TOP_LEVEL: Record<string, string> = {
  $schema: 'The path or URL of this JSON Schema, for editors that read it from a key rather than a comment.',
  hromada: 'The hromada (municipality) this installation monitors.',
  storage: 'Where measurements go: a managed local influxd unless storage.influx points at a server of your own.',
  polling: 'How often and how patiently devices and services are checked.',
  snmp_credentials: 'Named SNMP credentials that devices refer to by name (snmp.credential).',
  providers: 'Internet providers whose uplinks are monitored.',
  villages: 'The villages (settlements) of the hromada and the devices in each.',
  services: 'Web sites and network services checked by HTTP request or TCP connection.',
  states: 'When a device or service counts as down, degraded or flapping.',
  alerts: 'Who is told about outages, how (channels), when (rules, quiet hours) and when not (maintenance windows).',
};

export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, {
    io: 'input',
    // Draft 7 is the draft that editors' YAML language servers support most completely.
    target: 'draft-07',
    override: acceptNumericVersion,
  }) as Record<string, unknown> & { properties: Record<string, Record<string, unknown>> };
  for (const [name, description] of Object.entries(TOP_LEVEL)) {
    const property = generated.properties[name];
    if (property) property.description = description;
  }
  return {
    $schema: generated.$schema,
    title: 'Merezha inventory (hromada.yaml)',
    description: 'The devices, Free WiFi access points, providers and services of one hromada that Merezha monitors.',
    ...generated,
  };
}

/** The file contents of config/hromada.schema.json. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/**
 * YAML reads `version: 3` as a number and the loader accepts it (the schema
 * normalises it to "3"), so the editor must not flag it either: a literal
 * such as "3" also allows the number 3.
 */
function acceptNumericVersion(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  const { jsonSchema } = ctx;
  if (ctx.zodSchema._zod.def.type !== 'literal' || typeof jsonSchema.const !== 'string' || !/^\d+$/.test(jsonSchema.const)) return;
  jsonSchema.enum = [jsonSchema.const, Number(jsonSchema.const)];
  delete jsonSchema.const;
  delete jsonSchema.type;
}

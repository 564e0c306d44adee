/**
 * Human wording for config problems.
 *
 * zod's default messages ("Invalid input: expected number, received string")
 * are written for programmers. The loader installs `describeIssue` as the
 * per-parse error map, so it words every issue the schema did not give its own
 * message; schema messages such as `unknown credential "x"` win over it.
 */
import { z } from 'zod';
import type { ConfigPath } from './yaml-source.ts';

type RawIssue = z.core.$ZodRawIssue;

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping of keys to values',
  record: 'a mapping of keys to values',
  array: 'a list',
};

/**
 * Words a zod issue. `hidden` tells whether the value at a path may be a
 * secret (a key, a community, anything from the environment): then the
 * message names only its type, never the value.
 */
export function describeIssue(iss: RawIssue, hidden: (path: ConfigPath) => boolean): string | undefined {
  const path = toConfigPath(iss.path ?? []);
  const got = (value: unknown) => describeValue(value, hidden(path));
  switch (iss.code) {
    case 'invalid_type': {
      if (isMissingKey(iss)) return 'is required';
      // A described schema (a duration) is better named by its description than by its type.
      const described = describedAs(iss.inst);
      if (described !== undefined) return `must be ${described} (got ${got(iss.input)})`;
      return `must be ${EXPECTED[iss.expected] ?? iss.expected} (got ${got(iss.input)}${typeHint(iss.expected, iss.input)})`;
    }
    case 'invalid_value':
      if (isMissingKey(iss)) return 'is required';
      return `must be one of: ${iss.values.map(String).join(', ')} (got ${got(iss.input)}${didYouMean(iss.input, iss.values.map(String))})`;
    case 'too_small':
      return tooSmall(iss.origin, Number(iss.minimum), iss.inclusive !== false, got(iss.input));
    case 'too_big':
      return tooBig(iss.origin, Number(iss.maximum), iss.inclusive !== false, got(iss.input));
    case 'invalid_format':
      // Every URL in the schema is limited to http and https.
      if (iss.format === 'url') return `must be an http:// or https:// URL (got ${got(iss.input)})`;
      return `must be a valid ${iss.format} (got ${got(iss.input)})`;
    case 'invalid_union':
      return iss.discriminator === undefined ? unionMessage(iss.errors, got(iss.input)) : discriminatorMessage(iss, got);
    case 'invalid_key':
      return `the name ${JSON.stringify(String(iss.input))} ${iss.issues[0]?.message ?? 'is not allowed'}`;
    default:
      // unrecognized_keys are worded per key by the loader; others keep zod's text.
      return undefined;
  }
}

function describedAs(schema: unknown): string | undefined {
  const description = schema instanceof z.ZodType ? schema.description : undefined;
  return description && description.charAt(0).toLowerCase() + description.slice(1);
}

/** A key that is absent, as opposed to present with a wrong value. */
export function isMissingKey(iss: { code?: string; input?: unknown; discriminator?: string }): boolean {
  if (iss.code === 'invalid_type' || iss.code === 'invalid_value') return iss.input === undefined;
  if (iss.code === 'invalid_union' && iss.discriminator !== undefined)
    return discriminatorValue(iss.input, iss.discriminator) === undefined;
  return false;
}

export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const suggestion = closest(key, allowed);
  if (suggestion !== undefined) return `unknown key (did you mean "${suggestion}"?)`;
  return allowed.length > 0 ? `unknown key (allowed: ${allowed.join(', ')})` : 'unknown key';
}

export function toConfigPath(path: readonly PropertyKey[]): ConfigPath {
  return path.map((step) => (typeof step === 'number' ? step : String(step)));
}

/**
 * A discriminated union (the SNMP credential versions) failed on its
 * discriminator: either it is missing or it names no known variant. The
 * issue's path already ends at the discriminator key; its input is the object.
 */
function discriminatorMessage(iss: RawIssue & { code: 'invalid_union' }, got: (value: unknown) => string): string {
  const options = 'options' in iss && Array.isArray(iss.options) ? iss.options.map(String) : [];
  const key = iss.discriminator!;
  if (isMissingKey(iss)) return `is required (one of: ${options.join(', ')})`;
  return `must be one of: ${options.join(', ')} (got ${got(discriminatorValue(iss.input, key))})`;
}

function discriminatorValue(input: unknown, key: string): unknown {
  return input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[key] : undefined;
}

/**
 * A plain union (e.g. an interface given by name or by index): if every
 * branch rejected the type, list the accepted types; otherwise the value had
 * the right type for some branch, and that branch's own message says more.
 */
function unionMessage(branches: readonly (readonly z.core.$ZodIssue[])[], got: string): string {
  const typeMismatch = (issues: readonly z.core.$ZodIssue[]) =>
    issues.length === 1 && issues[0]!.code === 'invalid_type' && issues[0]!.path.length === 0;
  const closer = branches.find((issues) => !typeMismatch(issues));
  if (closer?.[0]) return closer[0].message;
  const expected = branches.map((issues) => {
    const issue = issues[0];
    return issue?.code === 'invalid_type' ? (EXPECTED[issue.expected] ?? issue.expected) : 'another value';
  });
  return `must be ${expected.join(' or ')} (got ${got})`;
}

function tooSmall(origin: string, min: number, inclusive: boolean, got: string): string {
  if (origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters long`;
  if (origin === 'array') return `must list at least ${min} ${min === 1 ? 'item' : 'items'}`;
  return inclusive ? `must be at least ${min} (got ${got})` : `must be greater than ${min} (got ${got})`;
}

function tooBig(origin: string, max: number, inclusive: boolean, got: string): string {
  if (origin === 'string') return `must be at most ${max} characters long`;
  if (origin === 'array') return `must list at most ${max} ${max === 1 ? 'item' : 'items'}`;
  return inclusive ? `must be at most ${max} (got ${got})` : `must be less than ${max} (got ${got})`;
}

function describeValue(value: unknown, hidden: boolean): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (hidden) return `a ${typeof value}, not shown here`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/**
 * The usual YAML typing slips: `community: 12345` is read as a number (quote
 * it), `port: "1161"` as a string (unquote it).
 */
function typeHint(expected: string, input: unknown): string {
  if (expected === 'string' && (typeof input === 'number' || typeof input === 'boolean')) return '; put it in quotes to make it text';
  if ((expected === 'number' || expected === 'int') && typeof input === 'string' && input.trim() !== '' && !Number.isNaN(Number(input))) {
    return '; remove the quotes to make it a number';
  }
  return '';
}

function didYouMean(input: unknown, options: readonly string[]): string {
  const suggestion = typeof input === 'string' ? closest(input, options) : undefined;
  return suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
}

/**
 * The candidate nearest to `word`, if it is near enough to be a typo: at most
 * one edit per three letters, so "intervall" finds "interval" but "ip" does
 * not find "id".
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.floor(word.length / 3);
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Levenshtein distance that also counts swapping two neighbouring letters ("hots") as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]![j]!;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      rows[i]![j] = d;
    }
  }
  return at(a.length, b.length);
}

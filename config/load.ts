/**
 * Reads hromada.yaml into a typed `Config`, or fails with every problem in it.
 *
 * Each problem is one line, `<file>:<line> <path>: <message>`, pointing at the
 * line to edit, so a person can fix the whole file in one pass. A user mistake
 * is always a `ConfigError` (print its message, not its stack); anything else
 * thrown from here is a bug.
 *
 * The same machinery reads any other YAML file Merezha takes from people (the
 * simulator's scenario files): `loadYamlWith` validates against any zod schema
 * with the same error lines.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { expandEnv, hasReference, type Env } from './env.ts';
import { describeIssue, isMissingKey, toConfigPath, unknownKeyMessage } from './messages.ts';
import { configSchema, type Config } from './schema.ts';
import { readInPieces } from './yaml-pieces.ts';
import { ConfigSource, rewriteScalar, type Anchor, type ConfigPath, type LineProblem } from './yaml-source.ts';

export type { Env } from './env.ts';

/** One problem of a file, for a program that shows it at its field rather than printing the line. */
export interface ConfigProblem {
  /** The data path (`[]` for the file as a whole); printed as `villages[1].devices[0].host`. */
  path: ConfigPath;
  message: string;
  line?: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /** `errors` as printed; `problems` the same ones with their paths, where the loader knows them. */
  constructor(
    readonly errors: string[],
    readonly problems: ConfigProblem[] = [],
  ) {
    super(errors.join('\n'));
  }
}

/** What kind of file a loader reads, for the messages about the file as a whole. */
export interface YamlFileKind {
  /** "config file", "scenario file". */
  noun: string;
  /** Said after "the <noun> is empty", in parentheses. */
  emptyHint: string;
}

const CONFIG_FILE: YamlFileKind = { noun: 'config file', emptyHint: 'start from a copy of config/example.yaml' };

/** Loads and validates `file`; errors name it exactly as given here. */
export function loadConfig(file: string, env: Env = process.env): Config {
  return loadYamlWith(configSchema, file, env);
}

/** Validates config text; `fileLabel` is the name used in error lines. */
export function parseConfig(text: string, fileLabel: string, env: Env = process.env): Config {
  return parseYamlWith(configSchema, text, fileLabel, env);
}

/** Loads `file` and validates it against `schema`, with `${VAR}` expansion and file:line errors as for the config. */
export function loadYamlWith<S extends z.ZodType>(schema: S, file: string, env: Env = process.env, kind = CONFIG_FILE): z.output<S> {
  return parseYamlWith(schema, readYamlText(file, kind), file, env, kind);
}

/** Validates YAML text against `schema`; `fileLabel` is the name used in error lines. */
export function parseYamlWith<S extends z.ZodType>(
  schema: S,
  text: string,
  fileLabel: string,
  env: Env = process.env,
  kind = CONFIG_FILE,
): z.output<S> {
  // A big file that is right is read in pieces, without the parse tree of the whole; every problem is found and told below.
  if (text.length >= PIECES_FROM_CHARS) {
    const pieces = readInPieces(text, (piece) => readPiece(piece, env));
    const validation = pieces && validate(schema, pieces.value, () => false);
    if (validation?.ok) return validation.value;
  }
  const source = ConfigSource.parse(text);
  const syntax = source.syntaxErrors();
  if (syntax.length > 0) {
    const first = sortByLine(syntax);
    throw new ConfigError(
      first.map((p) => `${fileLabel}:${p.line} YAML syntax error: ${p.message}`),
      first.map((p) => ({ path: [], line: p.line, message: `YAML syntax error: ${p.message}` })),
    );
  }
  if (source.isEmpty) throw new ConfigError([`${fileLabel}: the ${kind.noun} is empty (${kind.emptyHint})`]);

  const expansion = expandEnvironment(source, env);
  const validation = validate(schema, source.toJS(), (path) => expansion.fromEnv.has(pathId(path)) || SECRET_KEYS.has(String(path.at(-1))));
  // A value whose variable is missing would also fail validation; one error for it is enough.
  const brokenByEnv = new Set(expansion.problems.map((p) => pathId(p.at.path)));
  const problems = [...expansion.problems, ...validation.problems.filter((p) => !brokenByEnv.has(pathId(p.at.path)))];

  if (problems.length > 0 || !validation.ok) {
    const located = problems
      .map((p) => ({ path: p.path, message: p.message, line: source.lineOf(p.at.path, p.at.anchor) }))
      .sort((a, b) => a.line - b.line);
    throw new ConfigError(
      located.map((p) => `${fileLabel}:${p.line} ${formatPath(p.path)}: ${p.message}`),
      located,
    );
  }
  return validation.value;
}

/**
 * From this size on (about 300 devices) a file is read in pieces first: below
 * it the whole file's parse tree is a few MB, not worth a second parse of a
 * file that turns out to be wrong.
 */
const PIECES_FROM_CHARS = 64 * 1024;

/** A piece's value with `${VAR}` expanded, if it has neither a syntax error nor a problem with a variable. */
function readPiece(text: string, env: Env): { value: unknown } | undefined {
  const source = ConfigSource.parse(text);
  if (source.isEmpty || source.syntaxErrors().length > 0) return undefined;
  if (expandEnvironment(source, env).problems.length > 0) return undefined;
  return { value: source.toJS() };
}

/**
 * Validates data built in code rather than read from a file, with the same
 * wording; each error is `<label> <path>: <message>`.
 */
export function validateWith<S extends z.ZodType>(schema: S, data: unknown, label: string): z.output<S> {
  const validation = validate(schema, data, (path) => SECRET_KEYS.has(String(path.at(-1))));
  if (!validation.ok) {
    const { problems } = validation;
    throw new ConfigError(
      problems.map((p) => `${label} ${formatPath(p.path)}: ${p.message}`),
      problems.map((p) => ({ path: p.path, message: p.message })),
    );
  }
  return validation.value;
}

/** `villages[1].devices[0].snmp.credential`; keys that are not plain words are quoted. */
export function formatPath(path: ConfigPath): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((step, i) => {
      if (typeof step === 'number') return `[${step}]`;
      if (!/^[A-Za-z0-9_$-]+$/.test(step)) return `[${JSON.stringify(step)}]`;
      return i === 0 ? step : `.${step}`;
    })
    .join('');
}

/** Values never echoed in an error, whatever their origin. */
const SECRET_KEYS = new Set(['community', 'key', 'password', 'secret', 'bot_token', 'smtp']);

const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

/**
 * A problem at `path` (as printed), located at `at` in the file: they differ
 * for a missing key, which has no line of its own and is found at the line of
 * the object that lacks it.
 */
interface Problem {
  path: ConfigPath;
  message: string;
  at: { path: ConfigPath; anchor: Anchor };
}

function readYamlText(file: string, kind: YamlFileKind): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    throw new ConfigError([`${file}: cannot read ${kind.noun}: ${READ_FAILURES[code ?? ''] ?? message}`]);
  }
}

/**
 * Replaces `${VAR}` references in place. Each value is retyped as if its
 * expanded text had been written in the file: `port: ${SNMP_PORT}` becomes a
 * number, while `"${SNMP_COMMUNITY}"` stays a string.
 */
function expandEnvironment(source: ConfigSource, env: Env): { problems: Problem[]; fromEnv: Set<string> } {
  const problems: Problem[] = [];
  const fromEnv = new Set<string>();
  for (const { path, scalar } of source.valueScalars()) {
    if (typeof scalar.value !== 'string' || !hasReference(scalar.value)) continue;
    const expansion = expandEnv(scalar.value, env);
    problems.push(...expansion.problems.map((message) => ({ path, message, at: { path, anchor: 'value' as const } })));
    fromEnv.add(pathId(path));
    rewriteScalar(scalar, expansion.text);
  }
  return { problems, fromEnv };
}

type Validation<T> = { ok: true; value: T; problems: [] } | { ok: false; problems: Problem[] };

function validate<S extends z.ZodType>(schema: S, data: unknown, hidden: (path: ConfigPath) => boolean): Validation<z.output<S>> {
  // The keys a strict object accepts, noted while zod still has the object schema at hand.
  const allowedKeys = new Map<string, string[]>();
  const result = schema.safeParse(data, {
    reportInput: true,
    error: (iss) => {
      if (iss.code === 'unrecognized_keys' && iss.inst instanceof z.ZodObject) {
        allowedKeys.set(pathId(toConfigPath(iss.path ?? [])), Object.keys(iss.inst.shape));
      }
      return describeIssue(iss, hidden);
    },
  });
  if (result.success) return { ok: true, value: result.data, problems: [] };
  return { ok: false, problems: result.error.issues.flatMap((issue) => toProblems(withoutHiddenValue(issue, hidden), allowedKeys)) };
}

/**
 * The error map words its own messages without hidden values; this also
 * covers the schema's messages that quote the value, such as `invalid
 * duration "..."`, when that value came from the environment.
 */
function withoutHiddenValue(issue: z.core.$ZodIssue, hidden: (path: ConfigPath) => boolean): z.core.$ZodIssue {
  const { input } = issue;
  if (typeof input !== 'string' || input === '' || !hidden(toConfigPath(issue.path))) return issue;
  return { ...issue, message: issue.message.replaceAll(`"${input}"`, '"***"') };
}

function toProblems(issue: z.core.$ZodIssue, allowedKeys: Map<string, string[]>): Problem[] {
  const path = toConfigPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys.get(pathId(path)) ?? [];
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: unknownKeyMessage(key, allowed),
      at: { path: [...path, key], anchor: 'key' },
    }));
  }
  if (isMissingKey(issue)) {
    // Named by its full path, found at the line of the object that lacks it.
    return [{ path, message: issue.message, at: { path: path.slice(0, -1), anchor: 'header' } }];
  }
  return [{ path, message: issue.message, at: { path, anchor: issue.code === 'invalid_key' ? 'key' : 'value' } }];
}

function pathId(path: ConfigPath): string {
  return JSON.stringify(path);
}

function sortByLine(problems: LineProblem[]): LineProblem[] {
  return [...problems].sort((a, b) => a.line - b.line);
}

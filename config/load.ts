/**
 * Reads hromada.yaml into a typed `Config`, or fails with every problem in it.
 *
 * Each problem is one line, `<file>:<line> <path>: <message>`, pointing at the
 * line to edit, so a person can fix the whole file in one pass. A user mistake
 * is always a `ConfigError` (print its message, not its stack); anything else
 * thrown from here is a bug.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { expandEnv, hasReference, type Env } from './env.ts';
import { describeIssue, isMissingKey, toConfigPath, unknownKeyMessage } from './messages.ts';
import { configSchema, type Config } from './schema.ts';
import { ConfigSource, rewriteScalar, type Anchor, type ConfigPath, type LineProblem } from './yaml-source.ts';

export type { Env } from './env.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
  }
}

/** Loads and validates `file`; errors name it exactly as given here. */
export function loadConfig(file: string, env: Env = process.env): Config {
  return parseConfig(readConfigText(file), file, env);
}

/** Validates config text; `fileLabel` is the name used in error lines. */
export function parseConfig(text: string, fileLabel: string, env: Env = process.env): Config {
  const source = ConfigSource.parse(text);
  const syntax = source.syntaxErrors();
  if (syntax.length > 0) {
    throw new ConfigError(sortByLine(syntax).map((p) => `${fileLabel}:${p.line} YAML syntax error: ${p.message}`));
  }
  if (source.isEmpty) throw new ConfigError([`${fileLabel}: the config file is empty (start from a copy of config/example.yaml)`]);

  const expansion = expandEnvironment(source, env);
  const validation = validate(source.toJS(), (path) => expansion.fromEnv.has(pathId(path)) || SECRET_KEYS.has(String(path.at(-1))));
  // A value whose variable is missing would also fail validation; one error for it is enough.
  const brokenByEnv = new Set(expansion.problems.map((p) => pathId(p.at.path)));
  const problems = [...expansion.problems, ...validation.problems.filter((p) => !brokenByEnv.has(pathId(p.at.path)))];

  if (problems.length > 0 || validation.config === undefined) {
    const lines = problems.map((p) => ({ line: source.lineOf(p.at.path, p.at.anchor), message: `${formatPath(p.path)}: ${p.message}` }));
    throw new ConfigError(sortByLine(lines).map((p) => `${fileLabel}:${p.line} ${p.message}`));
  }
  return validation.config;
}

/** `villages[1].devices[0].snmp.credential`; keys that are not plain words are quoted. */
function formatPath(path: ConfigPath): string {
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
const SECRET_KEYS = new Set(['community', 'key', 'password']);

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

function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    throw new ConfigError([`${file}: cannot read config file: ${READ_FAILURES[code ?? ''] ?? message}`]);
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

function validate(data: unknown, hidden: (path: ConfigPath) => boolean): { config?: Config; problems: Problem[] } {
  // The keys a strict object accepts, noted while zod still has the object schema at hand.
  const allowedKeys = new Map<string, string[]>();
  const result = configSchema.safeParse(data, {
    reportInput: true,
    error: (iss) => {
      if (iss.code === 'unrecognized_keys' && iss.inst instanceof z.ZodObject) {
        allowedKeys.set(pathId(toConfigPath(iss.path ?? [])), Object.keys(iss.inst.shape));
      }
      return describeIssue(iss, hidden);
    },
  });
  if (result.success) return { config: result.data, problems: [] };
  return { problems: result.error.issues.flatMap((issue) => toProblems(withoutHiddenValue(issue, hidden), allowedKeys)) };
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

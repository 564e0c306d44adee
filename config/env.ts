/**
 * `${NAME}` and `${NAME:-default}` references in config values.
 *
 * They let community strings and SNMPv3 keys live in the environment (or a
 * systemd EnvironmentFile) instead of in hromada.yaml, which is often shared
 * or committed. Only values are expanded, never keys or comments, and an
 * expanded value is not expanded again.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Expansion {
  text: string;
  /** What went wrong, in words that never include a variable's value. */
  problems: string[];
}

const REFERENCE = /\$\{([^}]*)\}/g;
const NAME_AND_DEFAULT = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

export function hasReference(text: string): boolean {
  return text.includes('${');
}

export function expandEnv(text: string, env: Env): Expansion {
  const problems: string[] = [];
  const expanded = text.replace(REFERENCE, (reference, inner: string) => {
    const match = NAME_AND_DEFAULT.exec(inner);
    if (!match) {
      problems.push(`invalid reference "${reference}" (write \${NAME} or \${NAME:-default})`);
      return '';
    }
    const name = match[1]!;
    const fallback = match[2];
    const value = env[name];
    // As in the shell, ":-" also replaces a variable that is set but empty.
    if (fallback !== undefined) return value ? value : fallback;
    if (value === undefined) problems.push(`environment variable ${name} is not set`);
    return value ?? '';
  });
  if (hasReference(text.replace(REFERENCE, ''))) problems.push('"${" is not closed with "}"');
  return { text: expanded, problems };
}

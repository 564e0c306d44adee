/**
 * Small zod building blocks shared by the config schema and the parts of it
 * that live next to their code (alert channel configs): ids and durations.
 */
import { z } from 'zod';
import { parseDuration } from './duration.ts';

export const ID_RE = /^[a-z0-9][a-z0-9_-]*$/;

/** An id of the config: lower-case letters, digits, "-" and "_". */
export const id = () => z.string().regex(ID_RE, 'must be lower-case letters, digits, "-" or "_", starting with a letter or digit');

/** "10s", "500ms", "5m", "1h", "30d" → milliseconds. Also used by other YAML files (simulator scenarios). */
export const duration = () =>
  z
    .string()
    .describe('A duration such as 500ms, 10s, 5m, 1h or 30d')
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `invalid duration "${s}" (use e.g. 500ms, 10s, 5m, 1h, 30d)` });
        return z.NEVER;
      }
      return ms;
    });

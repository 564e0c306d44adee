/** Small zod building blocks of the config schema and of other YAML files (simulator scenarios): durations. */
import { z } from 'zod';
import { parseDuration } from './duration.ts';

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

/**
 * The id of anything in the config (village, device, channel, KPI): one rule
 * for the config schema and the alert channels' own config entries.
 */
import { z } from 'zod';

const ID_RE = /^[a-z0-9][a-z0-9_-]*$/;

/** An id of the config: lower-case letters, digits, "-" and "_". */
export const id = () => z.string().regex(ID_RE, 'must be lower-case letters, digits, "-" or "_", starting with a letter or digit');

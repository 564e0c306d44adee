/**
 * The registry of alert channel types: adding a channel is one file and one
 * entry here. The config schema builds `alerts.channels` from this list, so a
 * new type's keys are validated and documented in the JSON Schema at once.
 */
import { z } from 'zod';
import { emailChannel } from './email.ts';
import { logChannel } from './log.ts';
import { telegramChannel } from './telegram.ts';
import type { Channel, ChannelDeps, ChannelType } from './types.ts';
import { webhookChannel } from './webhook.ts';

export const CHANNEL_TYPES = [webhookChannel, telegramChannel, emailChannel, logChannel] as const;

type SchemasOf<T extends readonly ChannelType[]> = { -readonly [K in keyof T]: T[K]['schema'] };

/** One entry of `alerts.channels`: the variant is chosen by its `type`. */
export const channelConfigSchema = z.discriminatedUnion(
  'type',
  CHANNEL_TYPES.map((c) => c.schema) as unknown as SchemasOf<typeof CHANNEL_TYPES>,
);

export type ChannelConfig = z.output<typeof channelConfigSchema>;

export function createChannel(config: ChannelConfig, deps: ChannelDeps): Channel {
  const type = CHANNEL_TYPES.find((t) => t.type === config.type) as ChannelType | undefined;
  if (!type) throw new Error(`no channel type "${config.type}"`);
  return type.create(config, deps);
}

/**
 * The log channel: alerts go to Merezha's own log (stderr, JSON lines) at
 * warn level. It needs no network, which makes it the channel of the demo
 * config, and a way to see what the other channels would be sent.
 */
import { z } from 'zod';
import { channelSchema, type Channel, type ChannelType } from './types.ts';

const schema = channelSchema('log', {
  level: z.enum(['info', 'warn', 'error']).default('warn'),
});

export const logChannel: ChannelType<typeof schema> = {
  type: 'log',
  schema,
  create(config, { log }): Channel {
    return {
      id: config.id,
      type: 'log',
      secrets: [],
      async send(alert) {
        log[config.level](
          { channel: config.id, alert: alert.id, event: alert.event, subject: alert.subject, reminder: alert.reminder },
          `${alert.title}\n${alert.message}`,
        );
      },
    };
  },
};

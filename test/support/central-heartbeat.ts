/**
 * A small heartbeat for the central's registry tests: villages in the given
 * states with made-up figures, checked against the schema an edge's must pass.
 * (test/support/oblast.ts makes real ones from a running hromada dashboard.)
 */
import type { UptimeSet, VillageState } from '../../common/api.ts';
import { heartbeat as heartbeatSchema, type ForwardBacklog, type Heartbeat } from '../../common/federation.ts';

export interface SampleHeartbeat {
  name?: string;
  sentAt: number;
  villages?: readonly VillageState[];
  devices?: number;
  backlog?: Partial<ForwardBacklog>;
  uptime?: UptimeSet;
}

export function sampleHeartbeat(hromada: string, options: SampleHeartbeat): Heartbeat {
  const states = options.villages ?? ['online'];
  const uptime = options.uptime ?? { '24h': 99.5, '7d': 98, '30d': 97.25, year: 96 };
  const coverage = (villages: number, online: number) => ({
    uplinks: { up: online, total: villages },
    institutions: {
      online,
      total: villages,
      online_pct: villages > 0 ? (online / villages) * 100 : null,
      uptime,
      high_speed: online,
      high_speed_pct: villages > 0 ? (online / villages) * 100 : null,
    },
    wifi: { up: online, total: villages, clients: 7 * online },
    population: { covered: 100 * online, total: 100 * villages },
  });
  const working = (state: VillageState) => state === 'online' || state === 'degraded';
  return heartbeatSchema.parse({
    v: 1,
    hromada,
    name: options.name ?? `Громада ${hromada}`,
    timezone: 'Europe/Kyiv',
    sent_at: options.sentAt,
    version: '0.1.0-test',
    devices: { total: options.devices ?? 3 * states.length, by_state: { up: options.devices ?? 3 * states.length } },
    villages: {
      at: options.sentAt,
      total: coverage(states.length, states.filter(working).length),
      villages: states.map((state, i) => ({
        id: `v${i + 1}`,
        name: `Село ${i + 1}`,
        population: 100,
        location: null,
        state,
        since: null,
        coverage: coverage(1, working(state) ? 1 : 0),
        uptime,
      })),
    },
    invincibility: { total: 2, in_blackout: 1, online_in_blackout: 1, lacking: 0 },
    backlog: { points: 0, bytes: 0, oldest: null, dropped: 0, ...options.backlog },
  });
}

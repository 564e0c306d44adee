/**
 * What an edge tells the oblast besides its points (`forward:`): its
 * inventory (the config without secrets) at start and after each reload, and
 * every `forward.heartbeat` the picture its own dashboard shows: villages,
 * devices by state, Invincibility Points and how much waits in its spool.
 * The central shows these as they come and computes nothing of a hromada's
 * own.
 */
import type { DeviceSummary, InvincibilityResponse, VillagesResponse } from '../common/api.ts';
import type { ForwardBacklog, Heartbeat } from '../common/federation.ts';
import type { Logger } from '../common/log.ts';
import { shareableConfig } from '../config/shareable.ts';
import type { Config } from '../config/schema.ts';
import type { Dashboard } from '../server/dashboard.ts';
import type { Monitor } from '../server/monitor.ts';
import type { ScheduleStore } from '../server/power/schedule-store.ts';
import { invincibilityView } from '../server/views/power.ts';
import type { Forwarder } from '../storage/forward/forwarder.ts';
import { encodeInventory } from '../storage/forward/wire.ts';

export interface ForwardingOptions {
  forwarder: Forwarder;
  /** The config as it runs now (a reload replaces it). */
  config: Config;
  version: string;
  dashboard: Dashboard;
  monitor: Monitor;
  schedule: ScheduleStore;
  log: Logger;
  now?: () => number;
}

export interface Forwarding {
  /** Sends the inventory of a reloaded config. */
  reconfigure(config: Config): void;
  stop(): void;
}

/** The parts of a heartbeat read from the running dashboard at one moment. */
export interface HeartbeatInputs {
  hromada: string;
  config: Config;
  version: string;
  devices: readonly DeviceSummary[];
  villages: VillagesResponse;
  invincibility: InvincibilityResponse['summary'];
  backlog: ForwardBacklog;
  now: number;
}

export function heartbeatOf(inputs: HeartbeatInputs): Heartbeat {
  const byState: Record<string, number> = {};
  for (const { state } of inputs.devices) byState[state] = (byState[state] ?? 0) + 1;
  return {
    v: 1,
    hromada: inputs.hromada,
    name: inputs.config.hromada.name,
    timezone: inputs.config.hromada.timezone,
    sent_at: inputs.now,
    version: inputs.version,
    devices: { total: inputs.devices.length, by_state: byState },
    villages: inputs.villages,
    invincibility: inputs.invincibility,
    backlog: inputs.backlog,
  };
}

/** Publishes the inventory now and a heartbeat now and every `forward.heartbeat`; `forward` must be set. */
export function startForwarding(options: ForwardingOptions): Forwarding {
  const { forwarder, dashboard, monitor, schedule, log } = options;
  const now = options.now ?? Date.now;
  let config = options.config;
  const forward = config.forward;
  if (forward === undefined) throw new Error('startForwarding needs forward: in the config');

  const sendInventory = () => forwarder.publishMeta('inventory', encodeInventory(forward.hromada, shareableConfig(config), now()));
  const sendHeartbeat = () => {
    try {
      // One snapshot for the device counts and the Invincibility Points, as GET /api/invincibility-points takes it.
      const { at, devices } = dashboard.devices();
      const states = new Map(devices.map((d) => [d.id, d.state]));
      const invincibility = invincibilityView({
        config,
        inventory: dashboard.inventory,
        stateOf: (id) => states.get(id) ?? 'unknown',
        power: monitor.power.snapshot(),
        schedule: schedule.current(),
        now: at,
      }).summary;
      const beat = heartbeatOf({
        hromada: forward.hromada,
        config,
        version: options.version,
        devices,
        villages: dashboard.villages(),
        invincibility,
        backlog: forwarder.stats().backlog,
        now: now(),
      });
      forwarder.publishMeta('heartbeat', JSON.stringify(beat));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not make the heartbeat for the oblast');
    }
  };

  sendInventory();
  sendHeartbeat();
  // Unref'd: the stack's stop clears it, and it must not keep a finished process alive.
  const timer = setInterval(sendHeartbeat, forward.heartbeat).unref();
  return {
    reconfigure(next) {
      config = next;
      sendInventory();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

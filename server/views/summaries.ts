/**
 * The dashboard's view of the network: device, service and village summaries
 * and coverage, built from the config, the current states, the last readings
 * and the uptime figures. Pure: every input is an argument, so the numbers
 * the API serves (and the yearly report reuses) can be tested directly.
 */
import type { Coverage, DeviceSummary, LastValues, ServiceSummary, State, VillageState, VillageSummary } from '../../common/api.ts';
import type { Config, DeviceConfig, VillageConfig } from '../../config/schema.ts';
import { serviceKey } from '../../common/subjects.ts';
import { isHighSpeed } from '../high-speed.ts';
import type { Inventory } from '../inventory.ts';
import type { Snapshot, SubjectView } from '../state/types.ts';
import { pooledUptimeSet, uptimeSetOf, type Part, type WindowName } from '../live/availability.ts';

/** What the summaries are built from, at one moment. */
export interface ViewInputs {
  snapshot: Snapshot;
  last(deviceId: string): LastValues;
  uptime(subject: string): Record<WindowName, Part> | undefined;
  villageUptime(villageId: string): Record<WindowName, Part> | undefined;
}

const WORKING: ReadonlySet<State> = new Set(['up', 'degraded']);

export const isWorking = (state: State) => WORKING.has(state);

export class Summaries {
  private readonly devices = new Map<string, { device: DeviceConfig; village: VillageConfig }>();

  constructor(
    private readonly config: Config,
    private readonly inventory: Inventory,
  ) {
    for (const village of config.villages) for (const device of village.devices) this.devices.set(device.id, { device, village });
  }

  deviceIds(villageId?: string): string[] {
    if (villageId === undefined) return [...this.devices.keys()];
    return this.inventory.villages.get(villageId)?.devices ?? [];
  }

  hasDevice(id: string): boolean {
    return this.devices.has(id);
  }

  /** An institution at or above the high-speed threshold: its contracted bandwidth, else what its interface reports. */
  highSpeed(id: string, last: LastValues): boolean {
    const d = this.devices.get(id)?.device;
    return d !== undefined && isHighSpeed(d, last.speed_mbps, this.config.coverage.high_speed_mbps);
  }

  device(id: string, inputs: ViewInputs): DeviceSummary | undefined {
    const entry = this.devices.get(id);
    const info = this.inventory.subjects.get(id);
    if (!entry || !info) return undefined;
    const { device, village } = entry;
    const view = inputs.snapshot.subjects.get(id);
    const last = inputs.last(id);
    return {
      id,
      name: info.name,
      kind: device.kind,
      category: device.category ?? null,
      vendor: device.vendor ?? null,
      host: device.host,
      village: village.id,
      provider: info.provider ?? null,
      parent: device.parent ?? null,
      bandwidth_mbps: device.bandwidth_mbps ?? null,
      high_speed: this.highSpeed(id, last),
      installed: device.installed ?? null,
      ...stateOf(view),
      last,
    };
  }

  services(inputs: ViewInputs): ServiceSummary[] {
    return this.config.services.map((s) => {
      const view = inputs.snapshot.subjects.get(serviceKey(s.id));
      return {
        id: s.id,
        name: s.name,
        type: s.url ? 'http' : 'tcp',
        public: s.public,
        ...stateOf(view),
        tls_days_left: view?.tls?.daysLeft ?? null,
      };
    });
  }

  coverage(deviceIds: readonly string[], villages: readonly VillageConfig[], inputs: ViewInputs): Coverage {
    const uplinks = { up: 0, total: 0 };
    const wifi = { up: 0, total: 0, clients: 0 };
    const inst = { online: 0, total: 0, highSpeed: 0, parts: [] as (Record<WindowName, Part> | undefined)[] };
    for (const id of deviceIds) {
      const d = this.devices.get(id)?.device;
      if (!d) continue;
      const working = isWorking(inputs.snapshot.subjects.get(id)?.state ?? 'unknown');
      if (d.kind === 'uplink') {
        uplinks.total++;
        if (working) uplinks.up++;
      } else if (d.kind === 'wifi') {
        wifi.total++;
        if (working) {
          wifi.up++;
          wifi.clients += inputs.last(id).clients ?? 0;
        }
      } else if (d.kind === 'institution') {
        inst.total++;
        if (working) inst.online++;
        if (this.highSpeed(id, inputs.last(id))) inst.highSpeed++;
        inst.parts.push(inputs.uptime(id));
      }
    }
    const population = { covered: 0, total: 0 };
    for (const v of villages) {
      population.total += v.population ?? 0;
      const { state } = this.villageState(v.id, inputs);
      if (state === 'online' || state === 'degraded') population.covered += v.population ?? 0;
    }
    const share = (n: number) => (inst.total > 0 ? (n / inst.total) * 100 : null);
    return {
      uplinks,
      institutions: {
        online: inst.online,
        total: inst.total,
        online_pct: share(inst.online),
        uptime: pooledUptimeSet(inst.parts),
        high_speed: inst.highSpeed,
        high_speed_pct: share(inst.highSpeed),
      },
      wifi,
      population,
    };
  }

  /**
   * Offline when every uplink is down (or cut off), degraded when any device
   * of the village (an uplink included) is down, degraded or cut off, unknown
   * before the first answer of an uplink.
   */
  villageState(villageId: string, inputs: ViewInputs): { state: VillageState; since: number | null } {
    const info = this.inventory.villages.get(villageId);
    const snap = inputs.snapshot.villages.get(villageId);
    if (!info || info.uplinks.length === 0) return { state: 'unknown', since: null };
    if (snap?.offline) return { state: snap.maintenance ? 'maintenance' : 'offline', since: snap.since || null };
    const states = info.devices.map((d) => inputs.snapshot.subjects.get(d)?.state ?? 'unknown');
    const uplinkStates = info.uplinks.map((u) => inputs.snapshot.subjects.get(u)?.state ?? 'unknown');
    if (uplinkStates.every((s) => s === 'unknown')) return { state: 'unknown', since: null };
    const since = Math.max(0, ...info.devices.map((d) => inputs.snapshot.subjects.get(d)?.since ?? 0)) || null;
    if (uplinkStates.every((s) => s === 'maintenance')) return { state: 'maintenance', since };
    // Unknown (not polled yet) and planned maintenance are not trouble.
    if (states.some((s) => s === 'down' || s === 'degraded' || s === 'unreachable')) return { state: 'degraded', since };
    return { state: 'online', since };
  }

  village(v: VillageConfig, inputs: ViewInputs): VillageSummary {
    return {
      id: v.id,
      name: v.name,
      population: v.population ?? null,
      location: v.location ?? null,
      ...this.villageState(v.id, inputs),
      coverage: this.coverage(this.deviceIds(v.id), [v], inputs),
      uptime: uptimeSetOf(inputs.villageUptime(v.id)),
    };
  }
}

function stateOf(view: SubjectView | undefined): { state: State; since: number | null; reason: string; cause: string | null } {
  return {
    state: view?.state ?? 'unknown',
    since: view?.since || null,
    reason: view?.reason ?? 'no data yet',
    cause: view?.cause ?? null,
  };
}

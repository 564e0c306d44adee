/**
 * The config seen as a graph of subjects: every device and service with its
 * names, village, provider, parent and children, in an order where parents
 * come before their children. Built once at start; the state machine, the
 * event store and the alert planner all look things up here.
 */
import { deviceTargets } from '../collector/targets.ts';
import { serviceKey } from '../common/subjects.ts';
import type { InstitutionCategory } from '../common/words/names.ts';
import type { Config, DeviceKind } from '../config/schema.ts';

export interface SubjectInfo {
  key: string;
  type: 'device' | 'service';
  /** The device or service id of the config. */
  id: string;
  /** The name shown to people (the id when the config gives none). */
  name: string;
  village?: { id: string; name: string };
  kind?: DeviceKind;
  category?: InstitutionCategory;
  provider?: { id: string; name: string };
  /** Subject key of the parent device. */
  parent?: string;
  children: string[];
  /** Which probe answers "is it reachable": ping, or SNMP for a device with `ping: false`. */
  reachBy: 'ping' | 'snmp' | 'service';
  hasSnmp: boolean;
  /** The device has a configured interface whose oper status counts (snmp.interface). */
  hasInterface: boolean;
  /** The tags every stored point about this subject carries. */
  tags: Record<string, string>;
}

export interface VillageInfo {
  id: string;
  name: string;
  /** Subject keys of the village's uplinks (kind uplink). */
  uplinks: string[];
  devices: string[];
}

export interface Inventory {
  subjects: ReadonlyMap<string, SubjectInfo>;
  villages: ReadonlyMap<string, VillageInfo>;
  /** Every subject key, parents before children. */
  order: readonly string[];
}

export function buildInventory(config: Config): Inventory {
  const subjects = new Map<string, SubjectInfo>();
  const villages = new Map<string, VillageInfo>();
  const providers = new Map(config.providers.map((p) => [p.id, p.name]));
  for (const t of deviceTargets(config)) {
    const d = t.device;
    const village = villages.get(t.village.id) ?? { id: t.village.id, name: t.village.name, uplinks: [], devices: [] };
    villages.set(village.id, village);
    village.devices.push(d.id);
    if (d.kind === 'uplink') village.uplinks.push(d.id);
    subjects.set(d.id, {
      key: d.id,
      type: 'device',
      id: d.id,
      name: d.name ?? d.id,
      village: { id: village.id, name: village.name },
      kind: d.kind,
      ...(d.category ? { category: d.category } : {}),
      ...(d.provider ? { provider: { id: d.provider, name: providers.get(d.provider) ?? d.provider } } : {}),
      ...(d.parent ? { parent: d.parent } : {}),
      children: [],
      reachBy: d.ping ? 'ping' : 'snmp',
      hasSnmp: d.snmp !== undefined,
      hasInterface: d.snmp?.interface !== undefined,
      tags: t.tags,
    });
  }
  for (const v of config.villages) if (!villages.has(v.id)) villages.set(v.id, { id: v.id, name: v.name, uplinks: [], devices: [] });
  for (const s of subjects.values()) if (s.parent) subjects.get(s.parent)?.children.push(s.key);
  for (const svc of config.services) {
    const key = serviceKey(svc.id);
    subjects.set(key, {
      key,
      type: 'service',
      id: svc.id,
      name: svc.name,
      children: [],
      reachBy: 'service',
      hasSnmp: false,
      hasInterface: false,
      tags: { service: svc.id },
    });
  }

  // Parents first: the config forbids loops, so every chain ends.
  const order: string[] = [];
  const placed = new Set<string>();
  const place = (key: string) => {
    if (placed.has(key)) return;
    const parent = subjects.get(key)?.parent;
    if (parent) place(parent);
    placed.add(key);
    order.push(key);
  };
  for (const key of subjects.keys()) place(key);
  return { subjects, villages, order };
}

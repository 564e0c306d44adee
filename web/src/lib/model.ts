/** Domain helpers the pages share: orderings and the device tree. */
import type { DeviceSummary, Range, UptimeSet } from '../../../common/api.ts';
import type { InstitutionCategory } from '../../../common/words/names.ts';

/** History ranges: the same list as RANGES in common/api.ts, which the web may only import types from. */
export const RANGES: readonly Range[] = ['24h', '7d', '30d', '1y'];

/** The windows of an UptimeSet, in the order they are shown. */
export const UPTIME_WINDOWS: readonly (keyof UptimeSet)[] = ['24h', '7d', '30d', 'year'];

/** The order of the categories on a village's page: the authorities first. */
export const CATEGORIES: readonly InstitutionCategory[] = [
  'council',
  'cnap',
  'school',
  'kindergarten',
  'clinic',
  'library',
  'culture',
  'other',
];

export function categoryOf(device: DeviceSummary): InstitutionCategory {
  return CATEGORIES.find((category) => category === device.category) ?? 'other';
}

/** Village and device names as people sort them: Ukrainian alphabet, "Село 2" before "Село 10". */
export function byName(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name, 'uk', { numeric: true });
}

// A UPS last: it feeds the others and is listed after what it powers.
const KIND_ORDER: Record<DeviceSummary['kind'], number> = { uplink: 0, institution: 1, wifi: 2, ups: 3 };

/** Uplinks first, then institutions in category order, then Wi-Fi, each by name. */
export function compareDevices(a: DeviceSummary, b: DeviceSummary): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || CATEGORIES.indexOf(categoryOf(a)) - CATEGORIES.indexOf(categoryOf(b)) || byName(a, b);
}

export type TreeRow = { device: DeviceSummary; depth: number };

/**
 * The devices of one village in depth-first order of the `parent` tree. A device whose parent is not
 * among them (or that sits in a cycle) starts its own branch, so every device appears exactly once.
 */
export function deviceTree(devices: DeviceSummary[]): TreeRow[] {
  const ids = new Set(devices.map((device) => device.id));
  const children = new Map<string | null, DeviceSummary[]>();
  for (const device of [...devices].sort(compareDevices)) {
    const parent = device.parent !== null && ids.has(device.parent) ? device.parent : null;
    const siblings = children.get(parent);
    if (siblings) siblings.push(device);
    else children.set(parent, [device]);
  }
  const rows: TreeRow[] = [];
  const placed = new Set<string>();
  const visit = (device: DeviceSummary, depth: number) => {
    if (placed.has(device.id)) return;
    placed.add(device.id);
    rows.push({ device, depth });
    for (const child of children.get(device.id) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get(null) ?? []) visit(root, 0);
  for (const device of devices) visit(device, 0);
  return rows;
}

/**
 * Pure shaping for the inventory editor: the page's view of the file (as the
 * file writes it, with the lists its pickers offer and no secret), the
 * loader's problems as field errors of the entry changed, and the audit
 * record of a change (secrets removed).
 */
import type { AuditEntry, InventoryAction, InventoryEntity, InventoryResponse } from '../../common/api.ts';
import { redactSecrets } from '../../common/log.ts';
import { DEVICE_KINDS, INSTITUTION_CATEGORIES } from '../../common/words/names.ts';
import type { ConfigProblem } from '../../config/load.ts';
import { formatPath } from '../../config/load.ts';
import { POWER_VENDORS, WIFI_VENDORS } from '../../config/schema.ts';
import type { ConfigPath } from '../../config/yaml-source.ts';

export type Entry = Record<string, unknown>;

/** A problem shown at its field: the path relative to the entry changed when it lies inside it, else the config path. */
export interface FieldError {
  path: string;
  message: string;
}

const isEntry = (value: unknown): value is Entry => typeof value === 'object' && value !== null && !Array.isArray(value);
const entries = (value: unknown): Entry[] => (Array.isArray(value) ? value.filter(isEntry) : []);
/** An entry the view can name: one without a string id (a file with errors) is shown under the text of what it has. */
const named = (entry: Entry): Entry & { id: string } => ({
  ...entry,
  id: typeof entry.id === 'string' ? entry.id : String(entry.id ?? ''),
});

/** The page's view of the file's data (`InventoryDocument.toJS()`), without its version, path and problems. */
export function inventoryView(data: unknown): Omit<InventoryResponse, 'version' | 'file' | 'errors'> {
  const root = isEntry(data) ? data : {};
  const credentials = isEntry(root.snmp_credentials) ? Object.keys(root.snmp_credentials) : [];
  return {
    villages: entries(root.villages).map((village) => ({ ...named(village), devices: entries(village.devices).map(named) })),
    // A URL may carry a password (https://user:pass@…): the page gets it hidden, and an edit that sends it back hidden keeps the file's.
    services: entries(root.services).map((service) => named(redactSecrets(service) as Entry)),
    credentials,
    providers: entries(root.providers).map((p) => ({ id: String(p.id ?? ''), name: String(p.name ?? p.id ?? '') })),
    kinds: [...DEVICE_KINDS],
    categories: [...INSTITUTION_CATEGORIES],
    vendors: [...WIFI_VENDORS],
    power_vendors: [...POWER_VENDORS],
  };
}

/** The value at a data path of the file's data, or undefined. */
export function entryAt(data: unknown, path: ConfigPath | undefined): Entry | undefined {
  if (!path) return undefined;
  let at: unknown = data;
  for (const step of path) {
    if (typeof step === 'number') at = Array.isArray(at) ? at[step] : undefined;
    else at = isEntry(at) ? at[step] : undefined;
  }
  return isEntry(at) ? at : undefined;
}

/**
 * The loader's problems of the file after a change, each at its field: `host`
 * or `snmp.credential` inside the entry at `entryPath`, the whole config path
 * (`alerts.rules[0].devices[1]`) elsewhere.
 */
export function fieldErrors(problems: readonly ConfigProblem[], entryPath: ConfigPath | undefined): FieldError[] {
  return problems.map((problem) => {
    const inside = entryPath !== undefined && entryPath.every((step, i) => problem.path[i] === step);
    if (!inside) return { path: formatPath(problem.path), message: problem.message };
    const rest = problem.path.slice(entryPath.length);
    return { path: rest.length === 0 ? '' : formatPath(rest), message: problem.message };
  });
}

export interface AuditChange {
  time: number;
  user: string;
  action: InventoryAction;
  entity: InventoryEntity;
  id: string;
  village?: string | undefined;
  fromVillage?: string | undefined;
  before: Entry | undefined;
  after: Entry | undefined;
  version: string;
}

/** The audit log's record of a change: a village's devices are not part of the village's entry, and no secret is kept. */
export function auditRecord(change: AuditChange): AuditEntry {
  const clean = (entry: Entry | undefined) => {
    if (!entry) return null;
    const own = { ...entry };
    if (change.entity === 'village') delete own.devices;
    return redactSecrets(own) as Entry;
  };
  return {
    time: change.time,
    user: change.user,
    action: change.action,
    entity: change.entity,
    id: change.id,
    village: change.village ?? null,
    from_village: change.fromVillage !== undefined && change.fromVillage !== change.village ? change.fromVillage : null,
    before: clean(change.before),
    after: clean(change.after),
    version: change.version,
  };
}

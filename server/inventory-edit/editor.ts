/**
 * Editing the inventory from the dashboard: one change at a time is made in
 * the config file through `config/edit.ts` (comments and order kept), held to
 * the loader's rules, saved with a timestamped copy of the previous file
 * beside it, recorded in the audit log, and applied to the running Merezha by
 * the reload that SIGHUP runs (a callback, since the server does not know the
 * process it runs in).
 *
 * A change names the version of the file it was made on (what `read` gave);
 * when the file changed since (another admin, an editor on the server,
 * `merezha inventory import`), it is refused and nothing is written.
 */
import { basename } from 'node:path';
import type { AuditEntry, InventoryEditResponse, InventoryEntity, InventoryResponse } from '../../common/api.ts';
import { redactSecrets, type Logger } from '../../common/log.ts';
import { InventoryDocument, InventoryEditError, VersionConflictError, type Entry } from '../../config/edit.ts';
import type { Env } from '../../config/env.ts';
import { describeReload, type ReloadPlan } from '../../config/reload.ts';
import type { ConfigPath } from '../../config/yaml-source.ts';
import { AuditLog } from './audit.ts';
import { auditRecord, entryAt, fieldErrors, inventoryView, type FieldError } from './view.ts';

export { InventoryEditError };

/** What applying the saved file to the running Merezha gave: app/reload.ts's `ReloadResult`. */
export type ApplyResult = { ok: true; plan: ReloadPlan } | { ok: false; errors: string[] };

/** The change breaks a rule of the config: nothing was written. */
export class InventoryInvalidError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`the change does not pass the checks of the config: ${errors.map((e) => `${e.path || 'the entry'}: ${e.message}`).join('; ')}`);
  }
}

/** The file changed since the version the change was made on: nothing was written. */
export class InventoryVersionError extends Error {
  constructor(
    readonly file: string,
    /** The file's version now. */
    readonly version: string,
  ) {
    super(
      `${basename(file)} was changed since you read it (by someone else or on the server): read the inventory again and repeat the change`,
    );
  }
}

export type InventoryChange =
  | { entity: 'village'; action: 'add'; entry: Entry }
  | { entity: 'village'; action: 'update'; id: string; entry: Entry }
  | { entity: 'device'; action: 'add'; village: string; entry: Entry }
  | { entity: 'device'; action: 'update'; id: string; village: string; entry: Entry }
  | { entity: 'service'; action: 'add'; entry: Entry }
  | { entity: 'service'; action: 'update'; id: string; entry: Entry }
  | { entity: InventoryEntity; action: 'remove'; id: string };

export interface InventoryEditorOptions {
  /** The config file Merezha runs from. */
  file: string;
  /** Where the audit log goes (`server.data_dir`). */
  dataDir: string;
  log: Logger;
  /** Applies the saved file to the running Merezha; absent where nothing runs from it. */
  apply?: (() => Promise<ApplyResult>) | undefined;
  now?: () => number;
  env?: Env;
}

export class InventoryEditor {
  readonly audit: AuditLog;
  /** Changes are made one after another: each reads the file the last one wrote. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: InventoryEditorOptions) {
    this.audit = AuditLog.in(options.dataDir);
  }

  get file(): string {
    return this.options.file;
  }

  async read(): Promise<InventoryResponse> {
    const doc = await InventoryDocument.read(this.options.file);
    const check = doc.check(this.env);
    return {
      version: doc.version,
      file: this.options.file,
      ...inventoryView(doc.toJS()),
      errors: check.ok ? [] : check.errors,
    };
  }

  /** Makes, checks, saves, records and applies one change; `version` is the file's version it was made on, when the caller knows it. */
  edit(change: InventoryChange, by: { user: string; version?: string | undefined }): Promise<InventoryEditResponse> {
    const run = this.#queue.then(() => this.#edit(change, by));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  get env(): Env {
    return this.options.env ?? process.env;
  }

  async #edit(change: InventoryChange, by: { user: string; version?: string | undefined }): Promise<InventoryEditResponse> {
    const doc = await InventoryDocument.read(this.options.file);
    if (by.version !== undefined && by.version !== doc.version) throw new InventoryVersionError(this.options.file, doc.version);
    const data = doc.toJS();
    const id = change.action === 'add' ? String(change.entry.id ?? '') : change.id;
    const before = change.action === 'add' ? undefined : entryAt(data, doc.pathOf(change.entity, id));
    const fromVillage = change.entity === 'device' && change.action !== 'add' ? this.#villageOf(data, doc, id) : undefined;
    apply(doc, withSecretsKept(change, before));

    const newId = change.action === 'remove' ? id : String(change.entry.id ?? id);
    const path = change.action === 'remove' ? undefined : (doc.pathOf(change.entity, newId) ?? lastPath(doc, change));
    const check = doc.check(this.env);
    if (!check.ok) {
      // A problem the loader places nowhere (a syntax error): shown with the entry.
      const errors = check.problems.length > 0 ? fieldErrors(check.problems, path) : check.errors.map((message) => ({ path: '', message }));
      throw new InventoryInvalidError(errors);
    }

    let saved: { version: string; copy: string };
    try {
      saved = await doc.save(new Date(this.now()));
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      const now = await InventoryDocument.read(this.options.file);
      throw new InventoryVersionError(this.options.file, now.version);
    }
    const after = path ? entryAt(doc.toJS(), path) : undefined;
    const village =
      change.entity !== 'device'
        ? undefined
        : change.action === 'remove'
          ? fromVillage
          : (path && villageAt(doc.toJS(), path)) || undefined;
    const record: AuditEntry = auditRecord({
      time: this.now(),
      user: by.user,
      action: change.action,
      entity: change.entity,
      id: newId,
      village,
      fromVillage,
      before,
      after,
      version: saved.version,
    });
    await this.audit.append(record).catch((err: unknown) =>
      // The change is made and saved: a full disk here must not make the page believe otherwise.
      this.options.log.error({ err: (err as Error).message, audit: this.audit.file }, 'inventory change not written to the audit log'),
    );
    this.options.log.info(
      { user: by.user, action: change.action, entity: change.entity, id: newId, config: this.options.file, copy: saved.copy },
      `inventory: ${change.entity} "${newId}" ${change.action === 'add' ? 'added' : change.action === 'remove' ? 'removed' : 'changed'} from the dashboard`,
    );
    return { version: saved.version, copy: basename(saved.copy), audit: record, applied: await this.#apply() };
  }

  async #apply(): Promise<InventoryEditResponse['applied']> {
    if (!this.options.apply) return { ok: false, summary: 'saved; no running Merezha to apply it to', errors: [] };
    try {
      const result = await this.options.apply();
      if (result.ok) return { ok: true, summary: describeReload(result.plan), errors: [] };
      return { ok: false, summary: 'saved, but the running Merezha did not take it', errors: result.errors };
    } catch (err) {
      this.options.log.error({ err: (err as Error).message }, 'applying the edited config failed');
      return { ok: false, summary: 'saved, but applying it failed', errors: [(err as Error).message] };
    }
  }

  #villageOf(data: unknown, doc: InventoryDocument, deviceId: string): string | undefined {
    const path = doc.pathOf('device', deviceId);
    return path ? villageAt(data, path) : undefined;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

/** The id of the village a device's path (`['villages', 1, 'devices', 0]`) lies in. */
function villageAt(data: unknown, path: ConfigPath): string | undefined {
  const village = entryAt(data, path.slice(0, 2));
  return typeof village?.id === 'string' ? village.id : undefined;
}

/** Where an entry the loader cannot find by its id (none, or not a string) went: the end of its list. */
function lastPath(doc: InventoryDocument, change: InventoryChange): ConfigPath | undefined {
  if (change.action === 'remove') return undefined;
  if (change.action === 'update') return undefined;
  const data = doc.toJS() as { villages?: unknown; services?: unknown };
  const length = (list: unknown) => (Array.isArray(list) ? list.length : 0);
  if (change.entity === 'village') return ['villages', length(data.villages) - 1];
  if (change.entity === 'service') return ['services', length(data.services) - 1];
  const village = doc.pathOf('village', change.village);
  return village && [...village, 'devices', length(entryAt(data, village)?.devices) - 1];
}

/**
 * The page sees entries with their secrets hidden (inventoryView); a value it
 * sends back exactly as it was shown is the file's own value, unchanged.
 */
function withSecretsKept(change: InventoryChange, before: Entry | undefined): InventoryChange {
  if (change.action !== 'update' || !before) return change;
  const entry = { ...change.entry };
  for (const [key, value] of Object.entries(before)) {
    const shown = redactSecrets(value);
    if (shown !== value && JSON.stringify(entry[key]) === JSON.stringify(shown)) entry[key] = value;
  }
  return { ...change, entry };
}

function apply(doc: InventoryDocument, change: InventoryChange): void {
  switch (change.action) {
    case 'add':
      if (change.entity === 'village') doc.addVillage(change.entry);
      else if (change.entity === 'device') doc.addDevice(change.village, change.entry);
      else doc.addService(change.entry);
      return;
    case 'update':
      if (change.entity === 'village') doc.updateVillage(change.id, change.entry);
      else if (change.entity === 'device') doc.updateDevice(change.id, change.entry, change.village);
      else doc.updateService(change.id, change.entry);
      return;
    case 'remove':
      if (change.entity === 'village') doc.removeVillage(change.id);
      else if (change.entity === 'device') doc.removeDevice(change.id);
      else doc.removeService(change.id);
  }
}

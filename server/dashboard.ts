/**
 * What the dashboard, the API and the public page see of the running monitor:
 * summaries built from live state, history read from InfluxDB, actions
 * (acknowledge, maintenance) passed to the engine and the alerts, and typed
 * live events for socket.io. No HTTP here: routes call these methods.
 */
import type {
  AlertItem,
  AlertsQuery,
  Coverage,
  DevicesResponse,
  HistoryResponse,
  MaintenanceRequest,
  OutageCauseRequest,
  OutageItem,
  OutagesQuery,
  PublicStatus,
  Range,
  ServerToClientEvents,
  ServicesResponse,
  VillagesResponse,
} from '../common/api.ts';
import type { Observation } from '../collector/samples.ts';
import type { Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';
import { loadAlertLog } from './alerts/log.ts';
import type { AlertRecord } from '../alerting/record.ts';
import { serviceKey } from '../common/subjects.ts';
import type { Inventory } from './inventory.ts';
import { AvailabilityIndex, type WindowName } from './live/availability.ts';
import { LatestValues } from './live/latest.ts';
import { maintenanceFile, MaintenanceWindows } from './maintenance-windows.ts';
import type { Monitor } from './monitor.ts';
import type { Change } from './state/types.ts';
import type { CauseWordsContext } from '../common/words/cause.ts';
import type { Locale } from '../common/words/locale.ts';
import { latestNotes, outageKey, type OutageNote } from './power/notes.ts';
import type { EventStore } from './store/event-store.ts';
import { causeWords, deviceSeries, findOutage, listOutages, outageItem, statePeriods, type StoredOutage } from './store/history-store.ts';
import { outageNotePoint, readOutageNotes } from './store/outage-notes.ts';
import { subjectCondition } from './store/presence.ts';
import type { SubjectInfo } from './inventory.ts';
import type { Query } from '../storage/influx-query.ts';
import { uptimeSetOf } from './live/availability.ts';
import { isWorking, Summaries, type ViewInputs } from './views/summaries.ts';
import { uptimePct } from './uptime.ts';

const DAY = 86_400_000;
/** How often villages whose figures moved without a state change (Wi-Fi clients, uptime) are sent to open dashboards. */
const VILLAGE_PUSH_MS = 10_000;

export type LiveEvent = {
  [K in keyof ServerToClientEvents]: { name: K; payload: Parameters<ServerToClientEvents[K]>[0] };
}[keyof ServerToClientEvents];

export interface DashboardOptions {
  config: Config;
  monitor: Monitor;
  /** InfluxDB reads; without it history, outages and uptime are empty. */
  query?: Query;
  /** Where admins' reclassifications of outages are written (the monitor's event store); without it (or `query`) they are refused. */
  store?: EventStore;
  log: Logger;
  dataDir: string;
  now?: () => number;
  /** How often villages whose figures moved are sent; 10 s by default. */
  villagePushMs?: number;
}

export class Dashboard {
  readonly latest = new LatestValues();
  readonly availability: AvailabilityIndex;
  private summaries: Summaries;
  private readonly listeners: ((event: LiveEvent) => void)[] = [];
  private readonly now: () => number;
  /** The last village summary sent, as JSON, to send only what changed. */
  private readonly sent = new Map<string, string>();
  /** The last hromada total sent, as JSON. */
  private sentTotal = '';
  private pushTimer: NodeJS.Timeout | undefined;

  private constructor(
    private options: DashboardOptions,
    readonly maintenance: MaintenanceWindows,
  ) {
    this.now = options.now ?? Date.now;
    const { config, monitor, query, log } = options;
    this.summaries = new Summaries(config, monitor.inventory);
    this.availability = new AvailabilityIndex({
      inventory: monitor.inventory,
      query,
      timeZone: config.hromada.timezone,
      log,
      now: this.now,
    });
    monitor.engine.onChange((changes) => this.onChanges(changes));
    monitor.alerts.onRecord((records) => {
      if (this.listeners.length === 0) return;
      for (const item of this.alertItems(records, monitor.alerts.records())) this.emit({ name: 'alert', payload: item });
    });
  }

  static async open(options: DashboardOptions): Promise<Dashboard> {
    const maintenance = await MaintenanceWindows.open({
      file: maintenanceFile(options.dataDir),
      inventory: options.monitor.inventory,
      schedule: options.monitor.engine.maintenance,
      ...(options.now ? { now: options.now } : {}),
    });
    const dashboard = new Dashboard(options, maintenance);
    dashboard.availability.start();
    dashboard.pushTimer = setInterval(
      () => dashboard.pushVillages(dashboard.options.config.villages.map((v) => v.id)),
      options.villagePushMs ?? VILLAGE_PUSH_MS,
    );
    dashboard.pushTimer.unref();
    return dashboard;
  }

  stop(): void {
    this.availability.stop();
    clearInterval(this.pushTimer);
  }

  /**
   * Shows a reloaded config, once the monitor has taken it: its villages,
   * devices and services, with the uptime of new ones once it is read; then
   * tells open dashboards to read them again.
   */
  async reconfigure(config: Config): Promise<void> {
    const { inventory } = this.options.monitor;
    this.options = { ...this.options, config };
    this.summaries = new Summaries(config, inventory);
    this.maintenance.reconfigure(inventory);
    await this.availability.reconfigure(inventory);
    this.emit({ name: 'inventory', payload: { at: this.now() } });
  }

  /** For the collector's `onObservation`, next to the monitor's. */
  onObservation(observation: Observation): void {
    this.latest.ingest(observation);
  }

  onEvent(listener: (event: LiveEvent) => void): void {
    this.listeners.push(listener);
  }

  /** InfluxDB reads, when InfluxDB answered at start (the yearly report needs them). */
  get query(): Query | undefined {
    return this.options.query;
  }

  get inventory(): Inventory {
    return this.options.monitor.inventory;
  }

  private emit(event: LiveEvent): void {
    for (const l of this.listeners) l(event);
  }

  private inputs(): ViewInputs {
    return {
      snapshot: this.options.monitor.engine.snapshot(),
      last: (id) => this.latest.get(id),
      uptime: (key) => this.availability.subject(key),
      villageUptime: (id) => this.availability.village(id),
    };
  }

  private onChanges(changes: readonly Change[]): void {
    if (this.listeners.length === 0) return;
    const inventory = this.options.monitor.inventory;
    const villages = new Set<string>();
    for (const c of changes) {
      if (c.type === 'transition') {
        this.emit({ name: 'state', payload: { subject: c.subject, state: c.to, since: c.at, reason: c.reason, cause: c.cause ?? null } });
        const village = inventory.subjects.get(c.subject)?.village?.id;
        if (village) villages.add(village);
      } else if (c.type === 'outage_start' || c.type === 'outage_end') {
        const info = inventory.subjects.get(c.subject);
        if (!info) continue;
        if (c.type === 'outage_start') this.emitOutage(info, { ...c, end: null });
        else void this.emitEndedOutage(info, c);
      }
    }
    this.pushVillages([...villages]);
  }

  /** Sends the summaries of these villages that differ from what was last sent, then the hromada's total if they moved it. */
  private pushVillages(ids: readonly string[]): void {
    if (this.listeners.length === 0) return;
    const inputs = this.inputs();
    let moved = false;
    for (const id of ids) {
      const v = this.options.config.villages.find((x) => x.id === id);
      if (!v) continue;
      const summary = this.summaries.village(v, inputs);
      const text = JSON.stringify(summary);
      if (this.sent.get(id) === text) continue;
      this.sent.set(id, text);
      this.emit({ name: 'village', payload: summary });
      moved = true;
    }
    // Sent whole, so the browser never adds villages up itself: institution uptime is pooled over time, not summed.
    if (!moved) return;
    const total = this.total(inputs);
    const text = JSON.stringify(total);
    if (this.sentTotal === text) return;
    this.sentTotal = text;
    this.emit({ name: 'coverage', payload: total });
  }

  private total(inputs: ViewInputs): Coverage {
    return this.summaries.coverage(this.summaries.deviceIds(), this.options.config.villages, inputs);
  }

  villages(): VillagesResponse {
    const inputs = this.inputs();
    const { config } = this.options;
    return {
      at: inputs.snapshot.at,
      total: this.total(inputs),
      villages: config.villages.map((v) => this.summaries.village(v, inputs)),
    };
  }

  devices(village?: string): DevicesResponse {
    const inputs = this.inputs();
    return {
      at: inputs.snapshot.at,
      devices: this.summaries.deviceIds(village).flatMap((id) => this.summaries.device(id, inputs) ?? []),
    };
  }

  services(): ServicesResponse {
    return { services: this.summaries.services(this.inputs()) };
  }

  hasDevice(id: string): boolean {
    return this.summaries.hasDevice(id);
  }

  async history(deviceId: string, range: Range): Promise<HistoryResponse> {
    const { query, monitor } = this.options;
    const info = monitor.inventory.subjects.get(deviceId)!;
    const now = this.now();
    const uptime = uptimeSetOf(this.availability.subject(deviceId));
    if (!query) {
      const empty = await deviceSeries(async () => [], deviceId, range, now);
      return { device: deviceId, range, ...empty, states: [], uptime };
    }
    const series = await deviceSeries(query, deviceId, range, now);
    const states = await statePeriods(query, info, series.from, series.to);
    return { device: deviceId, range, ...series, states, uptime };
  }

  async outages(q: OutagesQuery): Promise<OutageItem[]> {
    const { query, monitor } = this.options;
    if (!query) return [];
    const now = this.now();
    const subjects = this.subjectsFor(q.village, q.device);
    return listOutages(
      query,
      monitor.inventory,
      {
        from: q.from ?? now - 30 * DAY,
        to: q.to ?? now + 1,
        ...(subjects ? { subjects } : {}),
        ...(q.open ? { open: q.open === 'true' } : {}),
        ...(q.cause ? { causes: q.cause } : {}),
        limit: q.limit,
      },
      this.causeWords(q.locale),
      now,
    );
  }

  /** Whether outages can be reclassified: InfluxDB answered at start and there is a store to write to. */
  get canReclassify(): boolean {
    return this.options.query !== undefined && this.options.store !== undefined;
  }

  /**
   * An admin reclassifies an outage: an `outage_note` point records the cause,
   * the note, who and when (the audit record of it), flushed before this
   * resolves. Resolves to the outage as `GET /api/outages` now lists it (also
   * sent to open dashboards), or undefined when there is no such outage.
   */
  async reclassify(request: OutageCauseRequest, by: string): Promise<OutageItem | undefined> {
    const { query, store, monitor } = this.options;
    if (!query || !store) throw new Error('outages cannot be reclassified without InfluxDB');
    const info = monitor.inventory.subjects.get(request.subject);
    const outage = info && (await findOutage(query, info, request.start));
    if (!info || !outage) return undefined;
    const note: OutageNote = { subject: info.key, start: outage.start, cause: request.cause, note: request.note, by, at: this.now() };
    store.write([outageNotePoint(note, info.tags)]);
    await store.flush();
    this.emitOutage(info, outage, note);
    return outageItem(info, outage, note, this.causeWords(request.locale), this.now());
  }

  /** The words of outages' causes: in `locale`, by default the hromada's. */
  private causeWords(locale: Locale = this.options.config.hromada.locale): CauseWordsContext {
    return causeWords(this.options.monitor.inventory, locale, this.options.config.hromada.timezone);
  }

  private emitOutage(info: SubjectInfo, outage: StoredOutage, note?: OutageNote): void {
    if (this.listeners.length === 0) return;
    this.emit({ name: 'outage', payload: outageItem(info, outage, note, this.causeWords(), this.now()) });
  }

  /** An ended outage may have been reclassified while it lasted: sent with its note, so that open dashboards keep it. */
  private async emitEndedOutage(info: SubjectInfo, outage: StoredOutage): Promise<void> {
    const { query, log } = this.options;
    let note: OutageNote | undefined;
    if (query && this.listeners.length > 0) {
      try {
        const notes = await readOutageNotes(query, { from: outage.start, to: outage.start }, subjectCondition(info));
        note = latestNotes(notes).get(outageKey(info.key, outage.start));
      } catch (err) {
        log.warn({ err: (err as Error).message, subject: info.key }, 'could not read the notes of an ended outage; sent without them');
      }
    }
    this.emitOutage(info, outage, note);
  }

  /** Subject keys matching village and device filters; undefined when neither is given. */
  private subjectsFor(villages?: string[], devices?: string[]): string[] | undefined {
    if (!villages && !devices) return undefined;
    const inventory = this.options.monitor.inventory;
    const inVillages = villages ? villages.flatMap((v) => inventory.villages.get(v)?.devices ?? []) : undefined;
    if (inVillages && devices) return inVillages.filter((d) => devices.includes(d));
    return inVillages ?? devices;
  }

  async alerts(q: AlertsQuery): Promise<AlertItem[]> {
    const now = this.now();
    const from = q.from ?? now - 7 * DAY;
    const to = q.to ?? now + 1;
    const book = this.options.monitor.alerts.records();
    let records: readonly AlertRecord[] = book;
    // The book keeps about a week; older ranges are read from the stored alert log.
    if (this.options.query && (book.length === 0 || from < book[0]!.time)) {
      const stored = (await loadAlertLog(this.options.query, from)).records;
      const ids = new Set(stored.map((r) => r.id));
      records = [...stored, ...book.filter((r) => !ids.has(r.id))];
    }
    const villages = q.village ? new Set(q.village) : undefined;
    const events = q.event ? new Set(q.event) : undefined;
    const chosen = records
      .filter((r) => r.time >= from && r.time < to)
      .filter((r) => !villages || (r.village && villages.has(r.village.id)))
      .filter((r) => !events || events.has(r.event));
    const items = this.alertItems(chosen, records)
      .filter((a) => q.active === undefined || a.active === (q.active === 'true'))
      .sort((a, b) => b.time - a.time);
    return items.slice(0, q.limit);
  }

  /** The API's view of `records`, with whether each episode is still going on and who acknowledged it, as `all` tells. */
  private alertItems(records: readonly AlertRecord[], all: readonly AlertRecord[]): AlertItem[] {
    const closed = new Set<string>();
    const acks = new Map<string, { by: string; time: number }>();
    for (const x of all) {
      if (x.action === 'close') closed.add(x.key);
      else if (x.action === 'ack' && !acks.has(x.key)) acks.set(x.key, { by: x.by ?? '', time: x.time });
    }
    return records.map((r) => {
      const acked = this.options.monitor.alerts.acked(r.key) ?? acks.get(r.key);
      return {
        id: r.id,
        time: r.time,
        action: r.action,
        event: r.event,
        key: r.key,
        subject: r.subject,
        village: r.village ?? null,
        title: r.title,
        message: r.message,
        channels: r.channels,
        suppressed: r.suppressed ?? null,
        state: r.state,
        active: !closed.has(r.key) && r.action !== 'close',
        acked: acked ? { by: acked.by, at: acked.time } : null,
      };
    });
  }

  acknowledge(target: string, by: string): string[] {
    return this.options.monitor.alerts.acknowledge(target, by).map((r) => r.key);
  }

  async addMaintenance(request: MaintenanceRequest & { minutes: number }, by: string) {
    return this.maintenance.add(
      {
        devices: request.devices ?? [],
        villages: request.villages ?? [],
        services: request.services ?? [],
        minutes: request.minutes,
        note: request.note ?? '',
      },
      by,
    );
  }

  /** Only what config marks public: Free WiFi zones with `public: true` and public services, by name. */
  publicStatus(): PublicStatus {
    const { config, monitor } = this.options;
    const snapshot = monitor.engine.snapshot();
    const entry = (key: string, name: string) => {
      const part = this.availability.subject(key)?.['month' satisfies WindowName];
      return {
        name,
        up: isWorking(snapshot.subjects.get(key)?.state ?? 'unknown'),
        uptime_month_pct: part ? uptimePct(part.monitoredMs, part.downMs) : null,
      };
    };
    return {
      hromada: config.hromada.name,
      at: snapshot.at,
      villages: config.villages
        .map((v) => ({
          name: v.name,
          wifi: v.devices.filter((d) => d.kind === 'wifi' && d.public).map((d) => entry(d.id, d.name ?? v.name)),
        }))
        .filter((v) => v.wifi.length > 0),
      services: config.services.filter((s) => s.public).map((s) => entry(serviceKey(s.id), s.name)),
    };
  }
}

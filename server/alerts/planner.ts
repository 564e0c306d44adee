/**
 * The alert planner: from the current states (a snapshot of the state
 * machine) and the alert book (what was already said) to the alerts due now.
 * Pure: the same snapshot, book and time always give the same records.
 *
 * It works on episodes rather than on transitions, which is what makes it
 * safe across restarts and quiet hours: an episode ("makarykha-uplink down
 * since 14:02") is alerted once per channel, however often the planner runs;
 * one that ended is closed with a recovery to the channels that heard of it.
 *
 *  - down: a device or service with an outage in progress (its own, not its
 *    parent's). Devices cut off behind it are listed in its alert and get
 *    none of their own; their return is told in its recovery.
 *  - village_offline: all uplinks of a village down. With a single uplink the
 *    uplink's alert says so (event `down`, `village_offline: true`); with
 *    several, one `village_offline` alert speaks for the uplinks that went
 *    down together.
 *  - degraded, flapping (one alert; down/recovered stay quiet meanwhile),
 *    tls_expiring, reboot (once).
 *  - rules: `after` (how long an episode must last first), `repeat`
 *    (reminders until it ends or is acknowledged), filters by village, device
 *    or service, `urgent` (sent in quiet hours too; otherwise held until they
 *    end, and dropped if the episode ended meanwhile).
 *  - maintenance: the state machine never reports a device in a maintenance
 *    window as down, so nothing is alerted for it.
 *  - on_battery: a village without mains, one episode per village however
 *    many supplies it has, from the first on battery to mains back
 *    (`power_restored` closes it, as `recovered` closes `down`). It goes on
 *    through `lost` and `unknown` once told, silently: a village going dark
 *    is the down alert's to tell, with its cause.
 *  - battery_low: within it, once, when the time left drops under
 *    `power.warn_minutes_left` or a blackout slot outlasts the battery; said
 *    by the on_battery alert itself when that is not told yet.
 *  - down and village_offline name the outage's cause when it is judged.
 */
import { createHash } from 'node:crypto';
import type { AlertEvent } from '../../alerting/events.ts';
import type { AlertRule, Config } from '../../config/schema.ts';
import type { CauseJudgement } from '../../common/words/cause.ts';
import type { Inventory, SubjectInfo, VillageInfo } from '../inventory.ts';
import type { PowerSnapshot, VillagePowerView } from '../power/types.ts';
import { quietHoursAt } from '../state/maintenance.ts';
import type { Snapshot, State, SubjectView } from '../state/types.ts';
import type { AlertBook } from './book.ts';
import { alertText, isPowerEvent, type AlertContent, type PowerContent } from './messages.ts';
import type { AlertAction, AlertPower, AlertRecord } from '../../alerting/record.ts';

/** How long after a reboot it may still be alerted (a restart of Merezha does not remember reboots). */
const REBOOT_FRESH_MS = 15 * 60_000;

export interface PlanInput {
  config: Config;
  inventory: Inventory;
  snapshot: Snapshot;
  book: AlertBook;
  now: number;
  /** Episodes a reload of the config ended (`ongoingEpisodes` before it, less after): closed without a recovery. */
  ended?: ReadonlySet<string>;
}

export interface Plan {
  records: AlertRecord[];
  /** Episodes that are over and fully closed: the book may forget them. */
  done: string[];
}

interface Condition {
  key: string;
  event: AlertEvent;
  /** Events whose rules also apply (a single uplink's outage is its village's too). */
  also: AlertEvent[];
  subject: string;
  info?: SubjectInfo;
  village?: VillageInfo;
  since: number;
  state: State;
  reason: string;
  unreachable: string[];
  folds: string[];
  villageOffline: boolean;
  uplinks?: string[];
  /** False for an episode another alert speaks for. */
  emit: boolean;
  extra: Partial<AlertContent>;
  /** down, village_offline: the outage's cause as judged so far. */
  cause?: CauseJudgement;
  /** Power episodes: the village's power now. */
  power?: PowerContent;
}

export function episodeKey(event: AlertEvent, subject: string, since: number): string {
  return `${event}:${subject}:${since}`;
}

export function parseKey(key: string): { event: AlertEvent; subject: string; since: number } {
  const first = key.indexOf(':');
  const last = key.lastIndexOf(':');
  return { event: key.slice(0, first) as AlertEvent, subject: key.slice(first + 1, last), since: Number(key.slice(last + 1)) };
}

/** The episodes going on now (those folded into another's alert too), alerted or not. */
export function ongoingEpisodes({ config, inventory, snapshot, book, now }: Omit<PlanInput, 'ended'>): Set<string> {
  return episodesOf(currentConditions(config, inventory, snapshot, book, now));
}

const episodesOf = (conditions: readonly Condition[]) => new Set(conditions.flatMap((c) => [c.key, ...c.folds]));

export function planAlerts({ config, inventory, snapshot, book, now, ended }: PlanInput): Plan {
  const rules = config.alerts.rules;
  const quiet = quietHoursAt(config, now);
  const ctx = {
    locale: config.hromada.locale,
    timeZone: config.hromada.timezone,
    inventory,
    ...(config.alerts.dashboard_url ? { dashboardUrl: config.alerts.dashboard_url } : {}),
  };
  const records: AlertRecord[] = [];
  const done: string[] = [];

  const conditions = currentConditions(config, inventory, snapshot, book, now);
  const present = episodesOf(conditions);

  const make = (
    action: AlertAction,
    c: Condition,
    channels: string[],
    more: Partial<AlertRecord> = {},
    content: Partial<AlertContent> = {},
  ) => {
    const reminder = more.reminder ?? 0;
    const dashboardUrl = ctx.dashboardUrl ? pageOf(ctx.dashboardUrl, c) : undefined;
    const text = alertText(
      {
        event: c.event,
        action: action === 'ack' ? 'open' : action,
        reminder,
        ...(c.info ? { subject: c.info } : {}),
        ...(c.village ? { village: c.village } : {}),
        since: c.since,
        now,
        state: c.state,
        reason: c.reason,
        unreachable: c.unreachable,
        villageOffline: c.villageOffline,
        ...(c.uplinks ? { uplinks: c.uplinks } : {}),
        ...(c.cause ? { cause: c.cause } : {}),
        ...(c.power ? { power: c.power } : {}),
        ...c.extra,
        ...content,
      },
      { ...ctx, ...(dashboardUrl ? { dashboardUrl } : {}) },
    );
    const sorted = [...channels].sort();
    const record: AlertRecord = {
      id: recordId(action, c.key, reminder, sorted, more.suppressed),
      time: now,
      action,
      event: action === 'close' ? closingEvent(c.event) : c.event,
      key: c.key,
      subject: c.subject,
      channels: sorted,
      folds: c.folds,
      reminder,
      ...placeOf(c),
      state: c.state,
      since: c.since,
      unreachable: c.unreachable,
      villageOffline: c.villageOffline,
      title: text.title,
      message: text.message,
      ...(dashboardUrl ? { dashboardUrl } : {}),
      ...(c.cause ? { cause: c.cause.cause } : {}),
      ...(c.power ? { power: recordPower(c.power) } : {}),
      ...more,
    };
    records.push(record);
    return record;
  };

  // Alerts and reminders for what is going on.
  for (const c of conditions) {
    if (!c.emit) continue;
    const matching = rulesFor(rules, [c.event, ...c.also], c);
    const notified = book.notified(c.key);
    const due = new Set<string>();
    for (const r of matching) {
      if (now - c.since < (r.after ?? 0) || (quiet && !r.urgent)) continue;
      for (const ch of r.channels) if (!notified.has(ch)) due.add(ch);
    }
    if (due.size > 0) make('open', c, [...due]);

    if (notified.size === 0 || c.event === 'reboot' || book.acked(c.key)) continue;
    const remind = new Set<string>();
    for (const r of matching) {
      if (r.repeat === undefined || (quiet && !r.urgent)) continue;
      for (const ch of r.channels) {
        const last = book.lastNotified(c.key, ch);
        if (last !== undefined && now - last >= r.repeat) remind.add(ch);
      }
    }
    if (remind.size > 0) make('remind', c, [...remind], { reminder: book.reminders(c.key) + 1 });
  }

  // Recoveries (or silent closes) for episodes that are over.
  const closing = book.openKeys().filter((key) => !present.has(key));
  const closingSet = new Set(closing);
  for (const key of closing) {
    const { event, subject, since } = parseKey(key);
    if (event === 'reboot') {
      done.push(key);
      continue;
    }
    const opening = book.opening(key);
    const view = snapshot.subjects.get(subject);
    const c = closedCondition(key, opening, view, inventory, snapshot, config, now);
    const folder = book.foldedInto(key);
    let silent: string | undefined;
    // Nothing recovered: the device left the config, or changed so that its state starts afresh.
    if (ended?.has(key)) silent = 'config reloaded';
    else if (event === 'tls_expiring') silent = 'certificate renewed';
    else if (folder !== undefined && (closingSet.has(folder) || present.has(folder))) silent = `part of ${folder}`;
    else if ((event === 'down' || event === 'degraded') && view?.flapping) silent = 'flapping';
    else if (event === 'down' && view?.state === 'maintenance') silent = 'maintenance';
    else if (event === 'degraded' && view && (view.state === 'down' || view.state === 'unreachable' || view.state === 'maintenance')) {
      silent = `now ${view.state}`;
    } else if (event === 'flapping' && view && view.state !== 'up' && view.state !== 'degraded') silent = `stopped flapping, ${view.state}`;
    else if (isPowerEvent(event) && c.power?.state !== 'mains') silent = c.power ? `power ${c.power.state} again` : 'no power reading';

    const recoveryRules = rulesFor(rules, [closingEvent(event)], c);
    const notified = book.notified(key);
    // A battery_low told on its own ends with its on_battery, whose power_restored those channels get.
    const onBattery = event === 'battery_low' ? episodeKey('on_battery', subject, since) : undefined;
    const toldThere = onBattery ? book.notified(onBattery) : new Set<string>();
    const channels = new Set(recoveryRules.flatMap((r) => r.channels).filter((ch) => notified.has(ch) && !toldThere.has(ch)));
    if (silent === undefined && channels.size === 0)
      silent = toldThere.size > 0 ? `part of ${onBattery}` : 'no rule sends recoveries there';
    if (silent !== undefined) {
      make('close', c, [], { suppressed: silent });
      done.push(key);
      continue;
    }
    const allowed = new Set(recoveryRules.filter((r) => !quiet || r.urgent).flatMap((r) => r.channels));
    const closed = book.closedFor(key);
    const pending = [...channels].filter((ch) => !closed.has(ch));
    const send = pending.filter((ch) => allowed.has(ch));
    if (send.length > 0) {
      const folded = (opening?.folds ?? []).filter((f) => closingSet.has(f));
      make('close', { ...c, folds: folded }, send, { until: c.extra.until ?? now }, { statesOf: (k) => snapshot.subjects.get(k)?.state });
    }
    if (send.length === pending.length) done.push(key);
  }
  return { records, done };
}

/** What is going on now, as alertable episodes. */
function currentConditions(config: Config, inventory: Inventory, snapshot: Snapshot, book: AlertBook, now: number): Condition[] {
  const out: Condition[] = [];
  const downs = new Map<string, Condition>();
  const cutBehind = (key: string) =>
    [...snapshot.subjects.values()].filter((v) => v.state === 'unreachable' && v.cause === key).map((v) => v.key);

  for (const key of inventory.order) {
    const v = snapshot.subjects.get(key);
    const info = inventory.subjects.get(key);
    if (!v || !info) continue;
    const base = {
      subject: key,
      info,
      state: v.state,
      reason: v.reason,
      also: [],
      folds: [],
      villageOffline: false,
      emit: true,
      extra: {},
    };
    if (v.flapping) {
      out.push({
        ...base,
        key: episodeKey('flapping', key, v.flapping.since),
        event: 'flapping',
        since: v.flapping.since,
        unreachable: [],
        extra: { flapping: { transitions: v.flapping.transitions, windowMs: config.states.flapping.window } },
      });
    } else {
      if (v.outage && v.state !== 'maintenance') {
        const c: Condition = {
          ...base,
          key: episodeKey('down', key, v.outage.start),
          event: 'down',
          since: v.outage.start,
          reason: v.outage.reason,
          unreachable: cutBehind(key),
          also: [],
          folds: [],
          ...(v.outage.cause ? { cause: v.outage.cause } : {}),
        };
        out.push(c);
        downs.set(key, c);
      }
      if (v.state === 'degraded')
        out.push({ ...base, key: episodeKey('degraded', key, v.since), event: 'degraded', since: v.since, unreachable: [] });
    }
    if (v.tls && v.tls.daysLeft < config.alerts.tls_days) {
      const day = new Date(v.tls.expiresAt).toISOString().slice(0, 10);
      out.push({
        ...base,
        key: `tls_expiring:${key}:${Date.parse(day)}`,
        event: 'tls_expiring',
        // When it crossed the threshold: stable from check to check, so `after` works as for any episode.
        since: Math.min(v.tls.at, Math.round(v.tls.expiresAt - config.alerts.tls_days * 86_400_000)),
        unreachable: [],
        extra: { tls: { daysLeft: v.tls.daysLeft, expiresAt: v.tls.expiresAt } },
      });
    }
    if (v.lastReboot && now - v.lastReboot.at < REBOOT_FRESH_MS) {
      out.push({
        ...base,
        key: episodeKey('reboot', key, v.lastReboot.at),
        event: 'reboot',
        since: v.lastReboot.at,
        unreachable: [],
        extra: { reboot: { previous_uptime_s: v.lastReboot.previous_uptime_s } },
      });
    }
  }

  for (const village of snapshot.villages.values()) {
    if (!village.offline || village.maintenance) continue;
    const info = inventory.villages.get(village.id)!;
    const key = episodeKey('village_offline', `village:${village.id}`, village.since);
    const uplinkDowns = info.uplinks.map((u) => downs.get(u)).filter((c): c is Condition => c !== undefined);
    const fresh = book.handled(key) ? [] : uplinkDowns.filter((c) => !book.handled(c.key));
    if (info.uplinks.length === 1 && fresh.length === 1) {
      // One uplink: its outage is the village's; one alert says both.
      const c = fresh[0]!;
      c.also.push('village_offline');
      c.folds.push(key);
      c.villageOffline = true;
      c.uplinks = info.uplinks;
      continue;
    }
    for (const c of fresh) c.emit = false;
    // The uplinks fell together, mostly for one reason: the first judged one speaks for the village.
    const cause = uplinkDowns.map((c) => c.cause).find((j) => j !== undefined && j.cause !== 'unknown');
    out.push({
      key,
      event: 'village_offline',
      also: ['down'],
      subject: `village:${village.id}`,
      village: info,
      since: village.since,
      state: 'down',
      reason: 'all uplinks are down',
      unreachable: [...new Set(info.uplinks.flatMap((u) => downs.get(u)?.unreachable ?? cutBehind(u)))],
      folds: fresh.map((c) => c.key),
      villageOffline: true,
      uplinks: info.uplinks,
      emit: true,
      extra: {},
      ...(cause ? { cause } : {}),
    });
  }
  if (snapshot.power) out.push(...powerConditions(config, inventory, snapshot, snapshot.power, book, now));
  return out;
}

/**
 * Each village's stretch without mains: its on_battery episode, and within
 * it the battery_low one. The stretch starts when the village goes on
 * battery; once told, it lasts until mains is back, whatever the village's
 * since says meanwhile (a supply running out makes it `lost`, another supply
 * may set the figures), so that one stretch is one alert and one
 * power_restored.
 */
function powerConditions(
  config: Config,
  inventory: Inventory,
  snapshot: Snapshot,
  power: PowerSnapshot,
  book: AlertBook,
  now: number,
): Condition[] {
  const out: Condition[] = [];
  for (const view of power.villages.values()) {
    const village = inventory.villages.get(view.village);
    if (!village || view.state === 'mains') continue;
    const subject = `village:${village.id}`;
    const told = toldPowerEpisode(book, subject);
    if (told === undefined && view.state !== 'battery') continue;
    const since = told ?? view.since;
    const onBattery = view.state === 'battery';
    const content = powerContent(view, power, inventory, config, now);
    const state: State = snapshot.villages.get(village.id)?.offline ? 'down' : 'up';
    const base = {
      subject,
      village,
      since,
      state,
      reason: '',
      unreachable: [],
      folds: [],
      villageOffline: false,
      // Lost or unknown: the stretch goes on, but a dark village is the down alert's to tell.
      emit: onBattery,
      extra: {},
      power: content,
    };
    const stretch: Condition = { ...base, key: episodeKey('on_battery', subject, since), event: 'on_battery', also: [] };
    out.push(stretch);
    const lowKey = episodeKey('battery_low', subject, since);
    if (!book.handled(lowKey) && !(onBattery && (content.low || content.short))) continue;
    const low: Condition = { ...base, key: lowKey, event: 'battery_low', also: [] };
    if (onBattery && !book.handled(lowKey) && !book.handled(stretch.key)) {
      // Low from the first: the on_battery alert says so, for the rules of both.
      stretch.also.push('battery_low');
      stretch.folds.push(lowKey);
      low.emit = false;
    }
    out.push(low);
  }
  return out;
}

/** The village's stretch without mains that was told and not yet closed to anyone: its start. */
function toldPowerEpisode(book: AlertBook, subject: string): number | undefined {
  const starts = book
    .openKeys()
    .filter((key) => book.closedFor(key).size === 0)
    .map(parseKey)
    .filter((k) => k.event === 'on_battery' && k.subject === subject)
    .map((k) => k.since);
  return starts.length > 0 ? Math.max(...starts) : undefined;
}

/** A village's power as its alerts tell it. `supplyId`: the supply to name, when not the one the view names now. */
function powerContent(
  view: VillagePowerView,
  power: PowerSnapshot,
  inventory: Inventory,
  config: Config,
  now: number,
  supplyId = view.supply,
): PowerContent {
  const supply = supplyId === undefined ? undefined : power.supplies.get(supplyId);
  const info = supplyId === undefined ? undefined : inventory.subjects.get(supplyId);
  const minutes = view.state === 'battery' ? view.minutes_left : undefined;
  const runsOutAt = minutes === undefined ? undefined : now + minutes * 60_000;
  return {
    state: view.state,
    source: supply?.source ?? 'unknown',
    ...(minutes === undefined ? {} : { minutes_left: minutes, runs_out_at: runsOutAt }),
    ...(supply?.battery_pct === undefined ? {} : { battery_pct: supply.battery_pct }),
    ...(view.mains_expected_at === undefined ? {} : { mains_expected_at: view.mains_expected_at }),
    ...(info ? { supply: info } : {}),
    ...(view.group ? { group: view.group } : {}),
    low: minutes !== undefined && minutes < config.power.warn_minutes_left,
    short: runsOutAt !== undefined && view.mains_expected_at !== undefined && runsOutAt < view.mains_expected_at,
  };
}

/** The figures a record keeps (and the webhook sends), without what only the words need. */
function recordPower({ supply: _supply, group: _group, low: _low, short: _short, ...figures }: PowerContent): AlertPower {
  return figures;
}

/** What the close of an episode is called: power comes back, anything else recovers. */
const closingEvent = (event: AlertEvent): AlertEvent => (isPowerEvent(event) ? 'power_restored' : 'recovered');

/** The condition of an episode that is over, rebuilt from its first alert and the current state. */
function closedCondition(
  key: string,
  opening: AlertRecord | undefined,
  view: SubjectView | undefined,
  inventory: Inventory,
  snapshot: Snapshot,
  config: Config,
  now: number,
): Condition & { extra: Partial<AlertContent> } {
  const { event, subject, since } = parseKey(key);
  const villageId = subject.startsWith('village:') ? subject.slice('village:'.length) : opening?.village?.id;
  const village = villageId ? inventory.villages.get(villageId) : undefined;
  const villageView = villageId ? snapshot.villages.get(villageId) : undefined;
  const powerView = villageId && isPowerEvent(event) ? snapshot.power?.villages.get(villageId) : undefined;
  // The supply that went on battery names the restoration too, whichever one the village's view names now.
  const power =
    powerView && snapshot.power ? powerContent(powerView, snapshot.power, inventory, config, now, opening?.device?.id) : undefined;
  const until = isPowerEvent(event)
    ? powerView?.state === 'mains' && powerView.since >= since
      ? powerView.since
      : now
    : subject.startsWith('village:')
      ? villageView && !villageView.offline && villageView.since >= since
        ? villageView.since
        : now
      : view && view.since >= since && view.state !== 'down' && view.state !== 'unreachable'
        ? view.since
        : now;
  const info = inventory.subjects.get(subject);
  return {
    key,
    event,
    also: [],
    subject,
    ...(info ? { info } : {}),
    ...(village ? { village } : {}),
    since,
    state: view?.state ?? 'up',
    reason: view?.reason ?? '',
    unreachable: opening?.unreachable ?? [],
    folds: [],
    villageOffline: opening?.villageOffline ?? false,
    ...(village ? { uplinks: village.uplinks } : {}),
    emit: true,
    extra: { until },
    ...(power ? { power } : {}),
  };
}

/** The rules that apply to an episode: one of its events, and its place if the rule names places. */
function rulesFor(rules: readonly AlertRule[], events: readonly AlertEvent[], c: Condition): AlertRule[] {
  const villageId = c.village?.id ?? c.info?.village?.id;
  const devices = c.info?.type === 'device' ? [c.info.id] : c.power ? (c.power.supply ? [c.power.supply.id] : []) : (c.uplinks ?? []);
  const serviceId = c.info?.type === 'service' ? c.info.id : undefined;
  return rules.filter((r) => {
    if (!r.on.some((e) => events.includes(e))) return false;
    if (!r.villages && !r.devices && !r.services) return true;
    return (
      (villageId !== undefined && !!r.villages?.includes(villageId)) ||
      devices.some((d) => r.devices?.includes(d)) ||
      (serviceId !== undefined && !!r.services?.includes(serviceId))
    );
  });
}

/** The dashboard page of what the alert is about: the device, else the village, else the dashboard itself. */
function pageOf(base: string, c: Condition): string {
  const root = base.endsWith('/') ? base : `${base}/`;
  if (c.info?.type === 'device') return new URL(`devices/${encodeURIComponent(c.info.id)}`, root).href;
  const village = c.village ?? c.info?.village;
  return village ? new URL(`villages/${encodeURIComponent(village.id)}`, root).href : root;
}

function placeOf(c: Condition): Pick<AlertRecord, 'village' | 'device' | 'service'> {
  const village = c.village ?? (c.info?.village ? { id: c.info.village.id, name: c.info.village.name } : undefined);
  const out: Pick<AlertRecord, 'village' | 'device' | 'service'> = {};
  if (village) out.village = { id: village.id, name: village.name };
  // A power alert is the village's; its device is the supply that sets the figures.
  const device = c.info ?? c.power?.supply;
  if (device?.type === 'device') {
    out.device = {
      id: device.id,
      name: device.name,
      ...(device.kind ? { kind: device.kind } : {}),
      ...(device.provider ? { provider: device.provider.id } : {}),
    };
  }
  if (c.info?.type === 'service') out.service = { id: c.info.id, name: c.info.name };
  return out;
}

function recordId(action: AlertAction, key: string, reminder: number, channels: string[], suppressed?: string): string {
  return createHash('sha256')
    .update([action, key, reminder, channels.join(','), suppressed ?? ''].join('|'))
    .digest('hex')
    .slice(0, 16);
}

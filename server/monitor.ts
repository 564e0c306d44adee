/**
 * The state engine and the alerts, wired together and to the collector:
 * `onObservation` goes to `createCollector`, everything else runs by itself.
 *
 * Start-up order matters for "no outage lost, split or double-counted, no
 * alert sent twice": history is read back from the store (states, open
 * outages, the alert log) before the first observation is taken.
 *
 * Power samples also go to the power tracker (`power/state.ts`), whose state
 * the alerts see beside the engine's and whose episodes the engine's outages
 * are judged by (`power/cause.ts`).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Observation } from '../collector/samples.ts';
import type { Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';
import { createChannel } from '../alerting/channels/index.ts';
import type { Channel } from '../alerting/channels/types.ts';
import { loadAlertLog, type AlertLog } from './alerts/log.ts';
import { AlertService } from './alerts/service.ts';
import { buildInventory, type Inventory } from './inventory.ts';
import { causeWindowMs, judgeOutage, rejudgeWithinMs } from './power/cause.ts';
import { PowerTracker, powerEventPoint, type PowerStep } from './power/state.ts';
import type { PowerSnapshot, ScheduleSource } from './power/types.ts';
import { StateEngine, type OutageJudge } from './state/engine.ts';
import { loadStateHistory, type StateHistory } from './state/history.ts';
import { probeRechecker, type Rechecker } from './state/recheck.ts';
import type { Snapshot } from './state/types.ts';
import { UniqueTimes, type EventStore } from './store/event-store.ts';
import type { Query } from '../storage/influx-query.ts';

/** Alerts at least this old are not read back (an open episode's alerts are, however old). */
const ALERT_LOG_DAYS = 7;
const TICK_MS = 1_000;

export interface MonitorOptions {
  config: Config;
  log: Logger;
  store: EventStore;
  /** Reads history back from InfluxDB; without it the monitor starts from nothing. */
  query?: Query;
  /** Quick re-checks; by default through the collector's probe kinds. */
  recheck?: Rechecker | false;
  /** Channels to use instead of those of the config (tests). */
  channels?: Channel[];
  /** The blackout schedule as imported or fetched, read whenever it is needed; none without it. */
  schedule?: ScheduleSource;
  now?: () => number;
}

/** The power of the supplies and villages, for the dashboard and the alerts. */
export interface PowerView {
  snapshot(): PowerSnapshot;
  /** The supplies that feed a device (itself first, when it is one). */
  suppliesOf(device: string): readonly string[];
}

export interface Monitor {
  /** The current config's; a reload replaces it. */
  readonly inventory: Inventory;
  readonly engine: StateEngine;
  readonly alerts: AlertService;
  readonly power: PowerView;
  /** The states as the alerts see them: the engine's, with the power of supplies and villages. */
  snapshot(): Snapshot;
  /** For `createCollector({ onObservation })`. */
  onObservation(observation: Observation): void;
  /**
   * Takes a reloaded config: states, re-checks, alert rules and channels follow
   * it. `fresh`: subjects (keys) polled or placed differently now, whose state
   * starts afresh; the others keep theirs. Nothing is alerted for the change.
   */
  reconfigure(config: Config, fresh: ReadonlySet<string>): void;
  stop(): Promise<void>;
}

export async function startMonitor(options: MonitorOptions): Promise<Monitor> {
  const { config, log, store, query } = options;
  const now = options.now ?? Date.now;
  let inventory = buildInventory(config);
  let current = config;
  const rechecker = (c: Config, i: Inventory) =>
    options.recheck === false ? undefined : (options.recheck ?? probeRechecker({ config: c, inventory: i, log }));
  const tracker = new PowerTracker({ config, ...(options.schedule ? { schedule: options.schedule } : {}), startedAt: now() });
  const judge: OutageJudge = ({ subject, start, downAncestor }) => {
    const info = inventory.subjects.get(subject);
    if (!info) return undefined;
    const group = tracker.groupOf(subject);
    const schedule = tracker.schedule();
    return judgeOutage({
      subject: info,
      start,
      maintenance: engine.maintenance.active(subject, start),
      ...(downAncestor !== undefined ? { downAncestor } : {}),
      supplies: tracker.suppliesOf(subject).flatMap((s) => tracker.history(s) ?? []),
      ...(group ? { group } : {}),
      ...(schedule ? { schedule } : {}),
      windowMs: causeWindowMs(current),
    });
  };
  const engine = new StateEngine({ config, inventory, store, log, recheck: rechecker(config, inventory), judge, now });
  const snapshot = (): Snapshot => ({ ...engine.snapshot(), power: tracker.snapshot(now()) });

  let history: AlertLog | undefined;
  if (query) {
    try {
      const states: StateHistory = await loadStateHistory(query, inventory, config.states, now());
      engine.restore(states);
      // Alerts of an episode still going on are needed however old they are.
      const oldestOpen = Math.min(
        ...states.subjects.map((s) => Math.min(s.state === 'up' ? Infinity : s.since, s.flappingSince ?? Infinity)),
      );
      history = await loadAlertLog(query, Math.min(now() - ALERT_LOG_DAYS * 86_400_000, oldestOpen));
    } catch (err) {
      log.warn(
        { err: (err as Error).message },
        'could not read the state and alert history; starting from nothing (outages in progress may be alerted again)',
      );
    }
  }

  const given = options.channels;
  const channels = given ? () => given : channelMaker(log);
  const initialChannels = channels(config);
  const alerts = new AlertService({
    config,
    inventory,
    store,
    log,
    channels: initialChannels,
    snapshot,
    ...(history ? { history } : {}),
    now,
  });

  const times = new UniqueTimes();
  let stopped = false;
  let powerWritten: Promise<void> = Promise.resolve();
  /** Stores what happened to the supplies, judges again the outages it may explain, and lets the alerts see the change. */
  const powerNews = (step: PowerStep, at: number) => {
    const points = step.events.flatMap((e) => {
      log.info({ supply: e.supply, type: e.type, at: new Date(e.at).toISOString() }, `${e.supply}: ${e.message}`);
      const point = powerEventPoint(e, inventory);
      return point ? [times.apply(point)] : [];
    });
    if (points.length > 0) {
      store.write(points);
      powerWritten = powerWritten
        .then(() => store.flush())
        .catch((err: unknown) => log.error({ err: (err as Error).message }, 'could not flush power events'));
    }
    const rejudged = engine.rejudge(at, rejudgeWithinMs(current));
    if (step.changed || rejudged) alerts.schedulePlan();
  };
  engine.onChange((changes) => {
    for (const c of changes) {
      // A supply whose own ping or SNMP fails while on battery has run out.
      if (c.type === 'outage_start' && tracker.isSupply(c.subject)) powerNews(tracker.supplyFell(c.subject, c.start), c.start);
    }
    alerts.schedulePlan();
  });
  const ticker = setInterval(() => {
    engine.tick();
    alerts.plan();
  }, TICK_MS);
  ticker.unref();
  alerts.plan();
  log.info(
    {
      channels: initialChannels.map((c) => `${c.id} (${c.type})`),
      rules: config.alerts.rules.length,
      maintenance: config.alerts.maintenance.length,
    },
    'state engine and alerts are running',
  );

  return {
    get inventory() {
      return inventory;
    },
    engine,
    alerts,
    snapshot,
    power: {
      snapshot: () => tracker.snapshot(now()),
      suppliesOf: (device) => tracker.suppliesOf(device),
    },
    onObservation(observation) {
      engine.ingest(observation);
      const sample = observation.sample;
      if (sample?.source === 'power' && !stopped) powerNews(tracker.observe(sample), sample.at);
    },
    reconfigure(next, fresh) {
      // Taken before the states change, to tell the episodes the reload ends from those that end by themselves.
      const ongoing = alerts.ongoing();
      inventory = buildInventory(next);
      current = next;
      tracker.reconfigure(next);
      engine.reconfigure(next, inventory, fresh, rechecker(next, inventory));
      alerts.reconfigure({ config: next, inventory, channels: channels(next) }, ongoing);
    },
    async stop() {
      stopped = true;
      clearInterval(ticker);
      await engine.stop();
      await powerWritten;
      await alerts.stop();
    },
  };
}

/**
 * The channels of a config, made once per channel: a reload that leaves a
 * channel's settings as they were keeps the channel (and the connections it
 * holds); one whose settings changed is made anew.
 */
function channelMaker(log: Logger): (config: Config) => Channel[] {
  let made = new Map<string, { settings: unknown; channel: Channel }>();
  return (config) => {
    const before = made;
    made = new Map();
    const hromada = { name: config.hromada.name, locale: config.hromada.locale, timezone: config.hromada.timezone };
    const timeoutMs = config.alerts.delivery.timeout;
    for (const c of config.alerts.channels) {
      const settings = { c, hromada, timeoutMs };
      const old = before.get(c.id);
      made.set(
        c.id,
        old && isDeepStrictEqual(old.settings, settings) ? old : { settings, channel: createChannel(c, { log, hromada, timeoutMs }) },
      );
    }
    return [...made.values()].map((m) => m.channel);
  };
}

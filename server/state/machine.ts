/**
 * The state machine: from samples (ping, SNMP and service checks) to the state
 * of every device and service, with dependencies, maintenance and flapping.
 * Pure logic: no I/O, no clock of its own (every sample and tick carries its
 * time); the engine feeds it and stores what it reports.
 *
 * Own health first. Each reachability sample is `ok`, `degraded` (answers, but
 * loss over `degraded_loss_pct` averaged over `loss_window` samples, RTT over
 * `degraded_rtt_ms`, SNMP failing `down_after` times in a row while ping
 * answers, or the configured interface oper-down) or `fail`. `down_after`
 * fails in a row make a device down, `up_after` answers in a row make it up
 * again; a device with no data yet is `unknown` and is up at its first answer.
 *
 * Then dependencies. A device whose parent chain is offline and that has not
 * answered since its parent went offline is `unreachable`: its failures are
 * the parent's, not its own, and do not count. Before a failing device is declared down, its parent must have
 * answered since the device stopped answering; until then the decision waits
 * (and asks for the parent to be checked again), so that a child whose poll
 * happens to come first is never reported down for its uplink's outage. When
 * the parent is back, a device that was cut off is `unknown` until it answers.
 *
 * Then maintenance (a window turns any state into `maintenance`) and flapping
 * (more than `flapping.transitions` changes among up/degraded/down within
 * `flapping.window`; over when a whole window passes without one). A village
 * is offline when all its uplinks are.
 *
 * Transitions are dated by the sample that began them: an outage starts at the
 * first failed check, and ends at the first answer.
 */
import type { PingSample, Sample } from '../../collector/samples.ts';
import type { StatesConfig } from '../../config/schema.ts';
import type { Inventory, SubjectInfo } from '../inventory.ts';
import type { MaintenanceSchedule } from './maintenance.ts';
import type { Change, Health, RestoredSubject, Snapshot, State, SubjectView, VillageView } from './types.ts';

type Verdict = 'ok' | 'degraded' | 'fail';

const DAY_MS = 86_400_000;
const COUNTED: ReadonlySet<State> = new Set(['up', 'degraded', 'down']);

interface Memo {
  info: SubjectInfo;
  // Own health, from the subject's own samples.
  health: Health;
  healthSince: number;
  healthReason: string;
  fails: number;
  failStart: number;
  failReason: string;
  bads: number;
  badStart: number;
  oks: number;
  okStart: number;
  reaches: number;
  reachStart: number;
  lastVerdict?: Verdict;
  lastReachable: number;
  /** Its last sample failed while its parent was offline. */
  cutOff: boolean;
  /** It would be down, but its parent has not answered since. */
  pendingDown: boolean;
  losses: number[];
  snmpFails: number;
  snmpError?: string;
  linkDown: boolean;
  ifName?: string;
  // What everyone sees.
  state: State;
  since: number;
  reason: string;
  cause?: string;
  cut: boolean;
  offline: boolean;
  /** When it went offline (down, or cut off), while it is. */
  offlineSince: number;
  maintenance: boolean;
  outage?: { start: number; reason: string; unreachable: string[] };
  changes: number[];
  lastChange: number;
  flappingSince?: number;
  lastReboot?: SubjectView['lastReboot'];
  tls?: SubjectView['tls'];
}

export interface MachineOptions {
  inventory: Inventory;
  states: StatesConfig;
  maintenance: MaintenanceSchedule;
}

export interface StepResult {
  changes: Change[];
  /** Subjects worth checking again soon, rather than at their next poll. */
  recheck: string[];
  /** Subjects worth checking at once: the devices behind an uplink that just answered again. */
  recheckNow: string[];
}

/** What the machine knows of a subject before its first sample. */
function blankMemo(info: SubjectInfo): Memo {
  return {
    info,
    health: 'unknown',
    healthSince: 0,
    healthReason: 'no data yet',
    fails: 0,
    failStart: 0,
    failReason: '',
    bads: 0,
    badStart: 0,
    oks: 0,
    okStart: 0,
    reaches: 0,
    reachStart: 0,
    lastReachable: -Infinity,
    cutOff: false,
    pendingDown: false,
    losses: [],
    snmpFails: 0,
    linkDown: false,
    state: 'unknown',
    since: 0,
    reason: 'no data yet',
    cut: false,
    offline: false,
    offlineSince: Infinity,
    maintenance: false,
    changes: [],
    lastChange: -Infinity,
  };
}

/** Collects what one sample or tick changes. */
class Step {
  readonly changes: Change[] = [];
  readonly recheck = new Set<string>();
  readonly recheckNow = new Set<string>();
  readonly villages = new Map<string, number>();

  result(machine: StateMachine): StepResult {
    machine.settleVillages(this);
    // Outage records list the devices cut off behind them, known only once the whole step is done.
    const changes = this.changes.map((c) =>
      c.type === 'outage_start' || c.type === 'outage_end' ? { ...c, unreachable: [...c.unreachable] } : c,
    );
    return { changes, recheck: [...this.recheck], recheckNow: [...this.recheckNow] };
  }
}

export class StateMachine {
  private readonly memos = new Map<string, Memo>();
  private readonly villageState = new Map<string, VillageView>();
  private readonly flapping = new Set<Memo>();
  private cfg: StatesConfig;

  constructor(private options: MachineOptions) {
    this.cfg = options.states;
    for (const key of options.inventory.order) this.memos.set(key, blankMemo(options.inventory.subjects.get(key)!));
    this.recountVillages();
  }

  /** Feeds one sample; returns the changes it causes and the subjects worth re-checking now. */
  observe(sample: Sample): StepResult {
    const step = new Step();
    const m = this.memos.get(sample.subject);
    if (!m) return step.result(this);
    m.maintenance = this.options.maintenance.active(m.info.key, sample.at);
    switch (sample.source) {
      case 'ping': {
        if (m.info.reachBy !== 'ping') break;
        const { verdict, reason } = this.pingVerdict(m, sample);
        this.feed(m, verdict, reason, sample.at, step);
        break;
      }
      case 'snmp': {
        if (sample.reboot) {
          m.lastReboot = { at: sample.at, ...sample.reboot };
          step.changes.push({ type: 'reboot', subject: m.info.key, at: sample.at, ...sample.reboot });
        }
        if (sample.ok) {
          m.snmpFails = 0;
          m.linkDown = m.info.hasInterface && sample.oper_up === false;
          if (sample.interface !== undefined) m.ifName = sample.interface;
        } else if (m.info.reachBy === 'ping' && m.reaches > 0 && sample.at >= m.reachStart) {
          // Counts only for a poll begun while ping answers: when the device is gone, ping says so.
          m.snmpFails++;
          m.snmpError = sample.error ?? 'no answer';
        }
        if (m.info.reachBy === 'snmp') {
          const verdict: Verdict = !sample.ok ? 'fail' : m.linkDown ? 'degraded' : 'ok';
          const reason = !sample.ok ? `no answer to SNMP${sample.error ? ` (${sample.error})` : ''}` : this.linkReason(m);
          this.feed(m, verdict, reason, sample.at, step);
        }
        break;
      }
      case 'service': {
        if (sample.tls_days_left !== undefined) {
          m.tls = { daysLeft: sample.tls_days_left, expiresAt: sample.at + sample.tls_days_left * DAY_MS, at: sample.at };
        }
        this.feed(m, sample.up ? 'ok' : 'fail', sample.up ? '' : (sample.error ?? 'check failed'), sample.at, step);
        break;
      }
      case 'power':
        // Power does not decide connectivity: a UPS on battery still answers, and a device
        // whose power failed goes quiet on ping. The power state is built from these samples
        // beside the connectivity state (server/power/state.ts), not inside it.
        break;
      default:
        // A new type of sample fails to compile here until the machine knows what it means.
        sample satisfies never;
    }
    return step.result(this);
  }

  /** Moves the clock: maintenance windows open and close, flapping ends. */
  tick(now: number): StepResult {
    const step = new Step();
    for (const key of this.options.maintenance.subjects) {
      const m = this.memos.get(key);
      if (!m) continue;
      const active = this.options.maintenance.active(key, now);
      if (active !== m.maintenance) {
        m.maintenance = active;
        this.evaluate(m, now, step);
      }
    }
    for (const m of this.flapping) {
      if (now - m.lastChange >= this.cfg.flapping.window) {
        m.flappingSince = undefined;
        this.flapping.delete(m);
        step.changes.push({ type: 'flapping', subject: m.info.key, at: now, flapping: false, transitions: this.countChanges(m, now) });
      }
    }
    return step.result(this);
  }

  /** Sets the state remembered from before a restart, without reporting it as changes. */
  restore(subjects: RestoredSubject[], now: number): void {
    for (const r of subjects) {
      const m = this.memos.get(r.key);
      if (!m) continue;
      m.state = r.state;
      m.since = r.since;
      m.reason = r.reason ?? '';
      m.cause = r.cause;
      m.health = r.state === 'up' || r.state === 'degraded' || r.state === 'down' ? r.state : r.outage ? 'down' : 'unknown';
      m.healthSince = r.since;
      m.healthReason = m.reason;
      m.cut = r.state === 'unreachable';
      m.cutOff = m.cut;
      m.maintenance = r.state === 'maintenance';
      m.outage = r.outage ? { ...r.outage, unreachable: [...r.outage.unreachable] } : undefined;
      m.changes = r.transitions.filter((t) => t > now - this.cfg.flapping.window).sort((a, b) => a - b);
      m.lastChange = m.changes.at(-1) ?? -Infinity;
      m.flappingSince = r.flappingSince;
      if (m.flappingSince !== undefined) this.flapping.add(m);
    }
    for (const key of this.options.inventory.order) {
      const m = this.memos.get(key)!;
      m.offline = m.health === 'down' || m.cut;
      m.offlineSince = m.offline ? m.since : Infinity;
    }
    this.recountVillages();
  }

  /**
   * Takes a reloaded inventory. A subject that stays keeps all the machine
   * knows of it, unless it is in `fresh` (polled or placed differently now):
   * that one starts unknown, as a new one does. Returns what the reload ends,
   * for the store: the outages in progress of the subjects that left or
   * start afresh, and the return of a fresh one to unknown.
   */
  reconfigure(options: MachineOptions, fresh: ReadonlySet<string>, at: number): Change[] {
    const before = new Map(this.memos);
    this.options = options;
    this.cfg = options.states;
    this.memos.clear();
    for (const key of options.inventory.order) {
      const info = options.inventory.subjects.get(key)!;
      const kept = fresh.has(key) ? undefined : before.get(key);
      this.memos.set(key, kept ? Object.assign(kept, { info }) : blankMemo(info));
    }
    const ended: Change[] = [];
    for (const [key, m] of before) {
      if (this.memos.get(key) === m) continue;
      this.flapping.delete(m);
      if (m.outage) {
        const { start, reason, unreachable } = m.outage;
        ended.push({ type: 'outage_end', subject: key, start, end: at, reason, unreachable });
      }
      if (this.memos.has(key) && m.state !== 'unknown') {
        ended.push({
          type: 'transition',
          subject: key,
          from: m.state,
          to: 'unknown',
          at: Math.max(at, m.since + 1),
          reason: 'changed in the config',
        });
      }
    }
    this.recountVillages();
    return ended;
  }

  /** Each village's state as its uplinks stand, after a restart or a reload: not a change to report. */
  private recountVillages(): void {
    const before = new Map(this.villageState);
    this.villageState.clear();
    for (const v of this.options.inventory.villages.values()) {
      const uplinks = v.uplinks.map((k) => this.memos.get(k)!);
      const offline = uplinks.length > 0 && uplinks.every((u) => u.offline);
      const was = before.get(v.id);
      this.villageState.set(v.id, {
        id: v.id,
        offline,
        since: was?.offline === offline ? was.since : offline ? Math.max(...uplinks.map((u) => u.since)) : 0,
        maintenance: uplinks.some((u) => u.maintenance),
      });
    }
  }

  snapshot(at: number): Snapshot {
    const subjects = new Map<string, SubjectView>();
    for (const m of this.memos.values()) subjects.set(m.info.key, this.viewOf(m));
    return { at, subjects, villages: new Map([...this.villageState].map(([id, v]) => [id, { ...v }])) };
  }

  view(key: string): SubjectView | undefined {
    const m = this.memos.get(key);
    return m && this.viewOf(m);
  }

  private viewOf(m: Memo): SubjectView {
    return {
      key: m.info.key,
      state: m.state,
      since: m.since,
      reason: m.reason,
      ...(m.cause !== undefined ? { cause: m.cause } : {}),
      ...(m.outage ? { outage: { ...m.outage, unreachable: [...m.outage.unreachable] } } : {}),
      ...(m.flappingSince !== undefined ? { flapping: { since: m.flappingSince, transitions: m.changes.length } } : {}),
      ...(m.lastReboot ? { lastReboot: m.lastReboot } : {}),
      ...(m.tls ? { tls: m.tls } : {}),
    };
  }

  // ---- samples to health ----

  private pingVerdict(m: Memo, s: PingSample): { verdict: Verdict; reason: string } {
    if (!s.reachable) return { verdict: 'fail', reason: s.error ? `no answer to ping (${s.error})` : 'no answer to ping' };
    m.losses.push(s.loss_pct);
    if (m.losses.length > this.cfg.loss_window) m.losses.shift();
    const loss = m.losses.reduce((a, b) => a + b, 0) / m.losses.length;
    const reasons: string[] = [];
    if (loss > this.cfg.degraded_loss_pct) reasons.push(`packet loss ${Math.round(loss)}%`);
    if (s.rtt_avg_ms !== null && s.rtt_avg_ms > this.cfg.degraded_rtt_ms) reasons.push(`round trip ${Math.round(s.rtt_avg_ms)} ms`);
    if (m.snmpFails >= this.cfg.down_after) reasons.push(`SNMP not answering (${m.snmpError})`);
    const link = this.linkReason(m);
    if (link) reasons.push(link);
    return { verdict: reasons.length > 0 ? 'degraded' : 'ok', reason: reasons.join(', ') };
  }

  private linkReason(m: Memo): string {
    return m.linkDown ? `interface ${m.ifName ?? ''} is down`.replace('  ', ' ') : '';
  }

  private parentOf(m: Memo): Memo | undefined {
    return m.info.parent === undefined ? undefined : this.memos.get(m.info.parent);
  }

  private feed(m: Memo, verdict: Verdict, reason: string, at: number, step: Step): void {
    const parent = this.parentOf(m);
    const parentOffline = parent?.offline ?? false;
    m.lastVerdict = verdict;
    if (verdict === 'fail') {
      m.snmpFails = 0;
      if (parentOffline) {
        // Its parent's outage explains it: not a failure of its own (`evaluate` marks it cut off).
        this.evaluate(m, at, step);
        return;
      }
      if (m.fails++ === 0) m.failStart = at;
      if (m.bads++ === 0) m.badStart = at;
      m.failReason = reason;
      m.oks = 0;
      m.reaches = 0;
    } else {
      m.cutOff = false;
      m.lastReachable = Math.max(m.lastReachable, at);
      m.fails = 0;
      if (m.reaches++ === 0) m.reachStart = at;
      if (verdict === 'ok') {
        if (m.oks++ === 0) m.okStart = at;
        m.bads = 0;
      } else {
        if (m.bads++ === 0) m.badStart = at;
        m.oks = 0;
      }
      for (const key of m.info.children) {
        const child = this.memos.get(key)!;
        // It answered after the child stopped answering: the child's failure is its own.
        if (child.pendingDown && this.updateHealth(child, child.failReason, step)) this.evaluate(child, child.healthSince, step);
      }
    }
    if (this.updateHealth(m, reason, step)) this.evaluate(m, m.healthSince, step);
    else this.evaluate(m, at, step);

    // Confirm a change quickly instead of waiting a whole interval for the next poll.
    if (verdict === 'fail' && m.health !== 'down' && !m.pendingDown) step.recheck.add(m.info.key);
    if (verdict !== 'fail' && m.health === 'down' && m.reaches < this.cfg.up_after) {
      step.recheck.add(m.info.key);
      // Before its recovery is confirmed, so that the recovery message can say which devices behind it answer again.
      for (const key of this.cutBehind(m.info.key)) step.recheckNow.add(key);
    }
  }

  /** Applies the streak rules; true when own health changed. */
  private updateHealth(m: Memo, reason: string, step: Step): boolean {
    const { down_after: D, up_after: U } = this.cfg;
    let target: Health = m.health;
    let since = m.healthSince;
    let why = m.healthReason;
    const toDown = () => {
      target = 'down';
      since = m.failStart;
      why = m.failReason;
    };
    switch (m.health) {
      case 'unknown':
        if (m.fails >= D) toDown();
        else if (m.oks >= 1) [target, since, why] = ['up', m.okStart, 'answers'];
        else if (m.bads >= D) [target, since, why] = ['degraded', m.badStart, reason];
        break;
      case 'up':
        if (m.fails >= D) toDown();
        else if (m.bads >= D) [target, since, why] = ['degraded', m.badStart, reason];
        break;
      case 'degraded':
        if (m.fails >= D) toDown();
        else if (m.oks >= U) [target, since, why] = ['up', m.okStart, 'answers normally again'];
        else if (m.lastVerdict === 'degraded') why = reason;
        break;
      case 'down':
        if (m.reaches >= U) [target, since, why] = [m.oks >= U ? 'up' : 'degraded', m.reachStart, m.oks >= U ? 'answers again' : reason];
        break;
    }
    if (target === 'down' && m.health !== 'down') {
      const parent = this.parentOf(m);
      if (parent && parent.lastReachable < m.failStart) {
        m.pendingDown = true;
        step.recheck.add(parent.info.key);
        return false;
      }
    }
    m.pendingDown = false;
    if (target === m.health) {
      m.healthReason = why;
      return false;
    }
    m.health = target;
    m.healthSince = since;
    m.healthReason = why;
    return true;
  }

  // ---- health to public state ----

  /** Recomputes the public state of `m` at `when`; follows to its children when it goes offline or back. */
  private evaluate(m: Memo, when: number, step: Step): void {
    const parent = this.parentOf(m);
    const parentOffline = parent?.offline ?? false;
    if (!parentOffline && m.cutOff) {
      // Its parent is back; whether it answers is not known yet (unless it was down before).
      m.cutOff = false;
      if (m.health !== 'down') {
        m.health = 'unknown';
        m.healthSince = when;
        m.healthReason = 'was cut off; waiting for an answer';
        step.recheck.add(m.info.key);
      }
    }
    // Behind an offline parent, a device is cut off unless it has answered since the parent went offline.
    const cut =
      parentOffline &&
      (m.cutOff ||
        m.lastVerdict === undefined ||
        m.lastVerdict === 'fail' ||
        m.health === 'down' ||
        m.lastReachable < parent!.offlineSince);
    if (cut) {
      m.cutOff = true;
      m.fails = 0;
      m.pendingDown = false;
    }
    const cause = cut ? (parent!.cut ? parent!.cause : parent!.info.key) : undefined;
    const state: State = m.maintenance ? 'maintenance' : cut ? 'unreachable' : m.health;
    const reason = state === 'maintenance' ? 'maintenance window' : state === 'unreachable' ? `cut off: ${cause} is down` : m.healthReason;
    const wasOffline = m.offline;
    const wasState = m.state;
    m.cut = cut;
    m.offline = m.health === 'down' || cut;
    if (state !== m.state || cause !== m.cause) this.transition(m, state, reason, cause, when, step);
    else m.reason = reason;
    if (m.offline && !wasOffline) m.offlineSince = cut ? m.since : m.healthSince;
    if (m.offline !== wasOffline) {
      for (const key of m.info.children) this.evaluate(this.memos.get(key)!, Math.max(when, m.since), step);
    }
    if (m.info.kind === 'uplink' && m.info.village && (m.offline !== wasOffline || m.state !== wasState)) {
      step.villages.set(m.info.village.id, m.since);
    }
  }

  private transition(m: Memo, to: State, reason: string, cause: string | undefined, when: number, step: Step): void {
    const from = m.state;
    // Samples can finish out of order; a state never begins before the one it replaces.
    const at = Math.max(when, m.since + 1);
    step.changes.push({ type: 'transition', subject: m.info.key, from, to, at, reason, ...(cause !== undefined ? { cause } : {}) });
    m.state = to;
    m.since = at;
    m.reason = reason;
    m.cause = cause;

    if (to === 'down' && !m.outage) {
      m.outage = { start: at, reason, unreachable: [] };
      // The same list: devices cut off later in this step are added to it (and copied when the step ends).
      step.changes.push({ type: 'outage_start', subject: m.info.key, start: at, reason, unreachable: m.outage.unreachable });
    } else if (m.outage && to !== 'down' && to !== 'unreachable') {
      const { start, reason: why, unreachable } = m.outage;
      step.changes.push({ type: 'outage_end', subject: m.info.key, start, end: at, reason: why, unreachable });
      m.outage = undefined;
    }
    if (to === 'unreachable' && cause !== undefined) {
      const root = this.memos.get(cause)?.outage;
      if (root && !root.unreachable.includes(m.info.key)) root.unreachable.push(m.info.key);
    }

    if (COUNTED.has(from) && COUNTED.has(to)) {
      m.changes.push(at);
      m.lastChange = at;
      const count = this.countChanges(m, at);
      if (m.flappingSince === undefined && count > this.cfg.flapping.transitions) {
        m.flappingSince = at;
        this.flapping.add(m);
        step.changes.push({ type: 'flapping', subject: m.info.key, at, flapping: true, transitions: count });
      }
    }
  }

  private countChanges(m: Memo, now: number): number {
    const from = now - this.cfg.flapping.window;
    m.changes = m.changes.filter((t) => t > from);
    return m.changes.length;
  }

  private cutBehind(key: string): string[] {
    const out: string[] = [];
    for (const child of this.memos.get(key)?.info.children ?? []) {
      const c = this.memos.get(child)!;
      if (c.cut) out.push(child, ...this.cutBehind(child));
    }
    return out;
  }

  /** @internal Village offline/online changes of the step. */
  settleVillages(step: Step): void {
    for (const [id, when] of step.villages) {
      const village = this.options.inventory.villages.get(id)!;
      const uplinks = village.uplinks.map((k) => this.memos.get(k)!);
      const offline = uplinks.length > 0 && uplinks.every((u) => u.offline);
      const maintenance = uplinks.some((u) => u.maintenance);
      const current = this.villageState.get(id)!;
      current.maintenance = maintenance;
      if (offline === current.offline) continue;
      const at = offline ? Math.max(...uplinks.map((u) => u.since)) : Math.max(when, current.since + 1);
      this.villageState.set(id, { id, offline, since: at, maintenance });
      step.changes.push({ type: 'village', village: id, at, offline, uplinks: village.uplinks });
    }
  }
}

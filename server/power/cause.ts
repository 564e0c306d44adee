/**
 * The cause of one outage, judged from what was known of it: its subject's
 * place in the inventory, the parents and maintenance at its start, the
 * supplies that feed it and the blackout schedule of its queue. Pure: the
 * facts in, a `CauseJudgement` out (its evidence is stored with the outage as
 * `cause_evidence`).
 *
 * The rules, first match wins:
 *
 * 1. `maintenance`: it began inside a maintenance window.
 * 2. `upstream`: an ancestor was down when it began.
 * 3. `power`: a supply that feeds it was on battery or had run out when it
 *    fell (or went on battery within the window after: a UPS polled every
 *    30 s may tell only after the ping failed), or, another device, fell
 *    itself within the window around its start.
 * 4. `scheduled_blackout`: it began inside a slot of its queue and no supply
 *    feeding it read mains then.
 * 5. `provider`: an uplink with a provider, while a supply feeding it read mains.
 * 6. `device`: any other device while a supply feeding it read mains.
 * 7. `unknown`: nothing vouches for the power, no slot explains it; the
 *    provider is not blamed without evidence.
 *
 * Services are not fed by the hromada's supplies: maintenance or unknown.
 */
import type { CauseEvidence, CauseJudgement } from '../../common/words/cause.ts';
import type { OutageCause, PowerGroup } from '../../common/words/power.ts';
import type { Config } from '../../config/schema.ts';
import type { SubjectInfo } from '../inventory.ts';
import { inBlackout, type BlackoutSchedule } from './schedule.ts';
import type { SupplyHistory } from './types.ts';

export interface OutageCase {
  subject: Pick<SubjectInfo, 'key' | 'type' | 'kind' | 'provider'>;
  /** When it began. */
  start: number;
  /** It began inside a maintenance window. */
  maintenance: boolean;
  /** The nearest ancestor that was down when it began. */
  downAncestor?: string;
  /** The supplies that feed it (itself among them, when it is one). */
  supplies: readonly SupplyHistory[];
  /** Its blackout queue (its own, else its village's). */
  group?: PowerGroup;
  schedule?: BlackoutSchedule;
  /** How far apart two signs of one power cut may be: ≈ 2 × the longer of the power and ping intervals. */
  windowMs: number;
}

/** How far apart two signs of one power cut may be: two polls of the slower of the power probe and ping. */
export const causeWindowMs = (config: Config): number => 2 * Math.max(config.polling.power.interval, config.polling.ping.interval);

/** How long after an outage began news of the power may still change its cause: a couple of minutes, or two windows on slow polls. */
export const rejudgeWithinMs = (config: Config): number => Math.max(120_000, 2 * causeWindowMs(config));

export function judgeOutage(c: OutageCase): CauseJudgement {
  if (c.maintenance) return { cause: 'maintenance', evidence: {} };
  if (c.subject.type === 'service') return { cause: 'unknown', evidence: {} };
  if (c.downAncestor !== undefined) return { cause: 'upstream', evidence: { parent: c.downAncestor } };
  const power = powerEvidence(c);
  if (power) return { cause: 'power', evidence: power };
  const mains = c.supplies.find((s) => s.mains.some((m) => m.from <= c.start + c.windowMs && m.to >= c.start - c.windowMs));
  const slot = c.group && c.schedule ? inBlackout(c.schedule, c.group, c.start) : undefined;
  if (slot && !mains) return { cause: 'scheduled_blackout', evidence: { slot: { group: c.group!, start: slot.start, end: slot.end } } };
  if (!mains) return { cause: 'unknown', evidence: {} };
  const vouched: CauseEvidence = { supply: mains.device, mains_ok: true };
  const provider = c.subject.kind === 'uplink' ? c.subject.provider : undefined;
  return provider ? { cause: 'provider', evidence: { provider: provider.id, ...vouched } } : { cause: 'device', evidence: vouched };
}

/**
 * The supply whose power failed with it: an episode on battery open at its
 * start (or begun within the window after), one that ran out then first,
 * else the earliest; failing that, another supply that fell with it.
 */
function powerEvidence(c: OutageCase): CauseEvidence | undefined {
  const { start, windowMs: w } = c;
  let best: { evidence: CauseEvidence; ranOut: boolean; at: number } | undefined;
  for (const s of c.supplies) {
    for (const e of s.episodes) {
      if (e.start > start + w || (e.end !== undefined && e.end < start)) continue;
      // Running out hours after it fell says nothing of why it fell.
      const ranOut = e.lost !== undefined && e.lost <= start + w;
      const better = !best || (ranOut && !best.ranOut) || (ranOut === best.ranOut && e.start < best.at);
      if (!better) continue;
      best = { evidence: { supply: s.device, on_battery_at: e.start, ...(ranOut ? { lost_at: e.lost } : {}) }, ranOut, at: e.start };
    }
  }
  if (best) return best.evidence;
  // A device's own fall is no sign of its own supply failing: only another supply falling with it is.
  const fellWith = c.supplies.find((s) => s.device !== c.subject.key && s.fell.some((t) => Math.abs(t - start) <= w));
  return fellWith && { supply: fellWith.device };
}

/** Causes that rest on facts seen at the start, which later news cannot undo: only a lapse of memory could hide them. */
const SETTLED: ReadonlySet<OutageCause> = new Set(['maintenance', 'upstream', 'power']);

/**
 * A later judgement of the same outage over an earlier one, unless it knows
 * less: `unknown` never replaces a cause, nor does anything replace one that
 * rests on facts of its start (the tracker forgets episodes after 48 h).
 * `forgotten`: the outage began before a restart, so the tracker has lost
 * what the earlier judgement saw; only power (a UPS's own count of its time
 * on battery reaches back past a restart) may replace it then.
 */
export function settleCause(
  before: CauseJudgement | undefined,
  after: CauseJudgement | undefined,
  forgotten = false,
): CauseJudgement | undefined {
  if (!after || !before) return after ?? before;
  if (forgotten) return after.cause === 'power' ? after : before;
  if (after.cause === 'unknown' || (SETTLED.has(before.cause) && !SETTLED.has(after.cause))) return before;
  return after;
}

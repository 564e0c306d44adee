/**
 * The alert book: what has been alerted so far, per episode. The planner
 * reads it to decide what is new (an alert not yet sent to a channel), what
 * is due again (reminders) and what to close (recoveries); it is rebuilt
 * from the alert log after a restart, which is why a restart never sends an
 * alert twice. Pure data structure, no I/O.
 */
import type { AlertRecord } from '../../alerting/record.ts';

interface Episode {
  /** Channels told about the episode (by its own alerts or by one that folded it in), with the last time each was. */
  notified: Map<string, number>;
  /** The first record that told anyone: its unreachable list and names are what the recovery refers to. */
  opening?: AlertRecord;
  /** The key of the record that folded this episode into its alert. */
  foldedInto?: string;
  reminders: number;
  closed: Set<string>;
  silent: boolean;
  acked?: { by: string; time: number };
}

export class AlertBook {
  private readonly episodes = new Map<string, Episode>();
  private readonly all: AlertRecord[] = [];

  constructor(records: Iterable<AlertRecord> = []) {
    for (const r of records) this.add(r);
  }

  private episode(key: string): Episode {
    let e = this.episodes.get(key);
    if (!e) {
      e = { notified: new Map(), reminders: 0, closed: new Set(), silent: false };
      this.episodes.set(key, e);
    }
    return e;
  }

  add(r: AlertRecord): void {
    this.all.push(r);
    const e = this.episode(r.key);
    switch (r.action) {
      case 'open':
      case 'remind':
        for (const c of r.channels) e.notified.set(c, Math.max(e.notified.get(c) ?? 0, r.time));
        if (r.action === 'open') e.opening ??= r;
        else e.reminders = Math.max(e.reminders, r.reminder);
        for (const folded of r.folds) {
          const f = this.episode(folded);
          for (const c of r.channels) f.notified.set(c, Math.max(f.notified.get(c) ?? 0, r.time));
          f.opening ??= r;
          f.foldedInto ??= r.key;
        }
        break;
      case 'close':
        if (r.channels.length === 0) e.silent = true;
        for (const c of r.channels) e.closed.add(c);
        break;
      case 'ack':
        e.acked ??= { by: r.by ?? '', time: r.time };
        break;
    }
  }

  /** Channels already told about the episode. */
  notified(key: string): ReadonlySet<string> {
    return new Set(this.episodes.get(key)?.notified.keys() ?? []);
  }

  lastNotified(key: string, channel: string): number | undefined {
    return this.episodes.get(key)?.notified.get(channel);
  }

  /** True once any alert has spoken for the episode (itself or folded into another). */
  handled(key: string): boolean {
    return (this.episodes.get(key)?.notified.size ?? 0) > 0;
  }

  opening(key: string): AlertRecord | undefined {
    return this.episodes.get(key)?.opening;
  }

  foldedInto(key: string): string | undefined {
    return this.episodes.get(key)?.foldedInto;
  }

  reminders(key: string): number {
    return this.episodes.get(key)?.reminders ?? 0;
  }

  closedFor(key: string): ReadonlySet<string> {
    return this.episodes.get(key)?.closed ?? new Set();
  }

  acked(key: string): { by: string; time: number } | undefined {
    return this.episodes.get(key)?.acked;
  }

  /** Episodes that were alerted and not closed silently: the planner closes them (or finds them closed). */
  openKeys(): string[] {
    return [...this.episodes].filter(([, e]) => e.notified.size > 0 && !e.silent).map(([key]) => key);
  }

  /** Forgets an episode that is over, once its records are old enough not to matter. */
  forget(key: string): void {
    this.episodes.delete(key);
  }

  /** Every record, oldest first (the dashboard's alert log). */
  records(): readonly AlertRecord[] {
    return this.all;
  }

  /** Drops records (and finished episodes) older than `before`, keeping episodes still open. */
  prune(before: number, isOpen: (key: string) => boolean): void {
    const keep = this.all.filter((r) => r.time >= before || isOpen(r.key));
    this.all.splice(0, this.all.length, ...keep);
    const live = new Set(keep.map((r) => r.key));
    for (const key of [...this.episodes.keys()]) if (!live.has(key) && !isOpen(key)) this.episodes.delete(key);
  }
}

/**
 * Where the state engine and the alerts write their events: the collector's
 * InfluxDB writer (with its spool, so nothing is lost while InfluxDB is away),
 * behind an interface small enough for tests to fake.
 *
 * InfluxDB identifies a point by series and timestamp, so two events of one
 * series in the same millisecond would overwrite each other: `UniqueTimes`
 * moves a later one on by a millisecond.
 */
import type { Point, PointSink } from '../../storage/point.ts';

export interface EventStore extends PointSink {
  /** Resolves when everything written so far is in InfluxDB or in the spool on disk. */
  flush(): Promise<void>;
}

export class UniqueTimes {
  private readonly last = new Map<string, number>();

  /** The point, with its time moved past the last one written to the same series. */
  apply(point: Point): Point {
    const series = `${point.measurement}|${Object.entries(point.tags)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`;
    const previous = this.last.get(series);
    const time = previous !== undefined && point.time <= previous ? previous + 1 : point.time;
    this.last.set(series, time);
    return time === point.time ? point : { ...point, time };
  }
}

/**
 * In-memory stand-ins for the InfluxDB writer in tests of the parts that
 * produce points. `MemorySink` runs the same schema check as the writer, so a
 * probe that writes a float into an integer field fails its unit test
 * instead of production.
 */
import type { EventStore } from '../../server/store/event-store.ts';
import { checkPoint } from '../../storage/point-check.ts';
import type { Point, PointSink } from '../../storage/point.ts';

export class MemorySink implements PointSink {
  /** Accepted points, in the order they were written. */
  readonly points: Point[] = [];
  /** Points the schema check refused, with the reason. */
  readonly rejected: Array<{ point: Point; reason: string }> = [];

  write(points: Point[]): void {
    for (const point of points) {
      const check = checkPoint(point);
      if (check.ok) this.points.push(check.point);
      else this.rejected.push({ point, reason: check.reason });
    }
  }

  /** Accepted points of one measurement. */
  pointsOf(measurement: string): Point[] {
    return this.points.filter((p) => p.measurement === measurement);
  }

  clear(): void {
    this.points.length = 0;
    this.rejected.length = 0;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** An event store that keeps what the state engine and the alerts write. */
export function memoryEventStore(): EventStore & { points: Point[] } {
  const points: Point[] = [];
  return {
    points,
    write: (batch) => void points.push(...batch),
    flush: async () => {},
  };
}

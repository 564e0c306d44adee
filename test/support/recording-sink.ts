/** A sink that passes points on and keeps a copy, so a test can compare what was stored with what was produced. */
import type { Point, PointSink } from '../../storage/point.ts';

export function recordingSink(next: PointSink): PointSink & { points: Point[] } {
  const points: Point[] = [];
  return {
    points,
    write(batch) {
      points.push(...batch);
      next.write(batch);
    },
  };
}

/**
 * Runs async tasks one at a time, in the order they were submitted.
 *
 * The writer and the spool use it so that at most one InfluxDB write or
 * spool file operation is in flight, which is what keeps points in order.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The chain must survive a failed task; the caller still sees the failure.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

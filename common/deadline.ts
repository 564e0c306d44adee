export interface Deadline {
  /** Aborts with a `TimeoutError` DOMException after the time, or with the reason of the first given signal that aborts. */
  readonly signal: AbortSignal;
  /** True once the time ran out (not when a given signal aborted first). */
  timedOut(): boolean;
  /** Stops the timer and lets go of the given signals; call it once the work is settled. */
  clear(): void;
}

/**
 * A signal for work that must end by `ms` from now or when any of `signals`
 * aborts. Not `AbortSignal.any([AbortSignal.timeout(ms), …])`: Node follows a
 * composite's sources only weakly, so a timeout signal that nothing else holds
 * may be collected and the composite then never aborts — a fetch with no answer
 * waits forever (nodejs/node#57736). Here the timer holds the controller.
 */
export function deadline(ms: number, signals: readonly AbortSignal[] = []): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    if (controller.signal.aborted) return;
    expired = true;
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, ms);
  // Whatever waits on the signal keeps the process alive; the timer alone need not.
  timer.unref();
  const followers = signals.map((source) => {
    const onAbort = () => controller.abort(source.reason);
    if (source.aborted) onAbort();
    else source.addEventListener('abort', onAbort, { once: true });
    return () => source.removeEventListener('abort', onAbort);
  });
  return {
    signal: controller.signal,
    timedOut: () => expired,
    clear() {
      clearTimeout(timer);
      for (const stop of followers) stop();
    },
  };
}

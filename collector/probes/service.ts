/**
 * What the two service kinds (http, tcp) share: which services a kind polls,
 * the service's own deadline on top of the scheduler's signal, failures worded
 * for people, the `service` point and the `service` sample.
 */
import type { ServiceConfig } from '../../config/schema.ts';
import type { MEASUREMENTS } from '../../storage/measurements.ts';
import type { Point } from '../../storage/point.ts';
import { networkErrorWords } from '../../common/network-errors.ts';
import { serviceKey } from '../../common/subjects.ts';
import type { NotMeasuredReason, ServiceSample } from '../samples.ts';
import { LOOP_LAG_MS } from '../scheduler.ts';
import type { ProbeKind, ServiceTarget } from './types.ts';

/** What one check saw; the numeric members are the `service` fields of the same name. */
export interface ServiceResult {
  up: boolean;
  /** Time to the response headers (HTTP) or to the open connection (TCP). */
  latency_ms?: number;
  status_code?: number;
  tls_days_left?: number;
  /** Why the check failed, short and for people: "connection refused", "HTTP 503". */
  error?: string;
  /** Set when the check could not be timed properly: no sample comes of it (collector/samples.ts). */
  not_measured?: NotMeasuredReason;
}

/**
 * Checks one service at `address` (its url or host:port). Resolves with what
 * it saw, wording failures with `describe` so that timeouts and aborts read
 * the same in every kind; a rejection is reported as a failure too.
 */
export type ServiceCheck = (
  address: string,
  service: ServiceConfig,
  signal: AbortSignal,
  describe: (error: unknown) => string,
) => Promise<ServiceResult>;

type ServiceField = keyof (typeof MEASUREMENTS)['service']['fields'];

const MEASURED = ['latency_ms', 'status_code', 'tls_days_left'] as const satisfies readonly ServiceField[];

export function serviceKind(type: 'http' | 'tcp', check: ServiceCheck): ProbeKind<ServiceTarget, ServiceResult, ServiceSample> {
  const addressOf = (service: ServiceConfig) => (type === 'http' ? service.url : service.tcp);
  return {
    kind: type,
    yields: 'service',
    targets: (config) =>
      config.services
        .filter((service) => addressOf(service) !== undefined)
        .map((service) => ({ key: serviceKey(service.id), service, tags: Object.freeze({ service: service.id, type }) })),
    intervalMs: (config, target) => target.service.interval ?? config.polling.services.interval,
    create: ({ config }) => ({
      run: (target, signal) => {
        const timeoutMs = target.service.timeout ?? config.polling.services.timeout;
        const controller = new AbortController();
        let timedOut = false;
        let lateMs = 0;
        const due = performance.now() + timeoutMs;
        const timer = setTimeout(() => {
          lateMs = performance.now() - due;
          // After a blocked loop, an answer that came in time is still unread: the poll phase
          // (after this timer's phase) reads it before setImmediate runs, so let it.
          if (lateMs > LOOP_LAG_MS) setImmediate(expire);
          else expire();
        }, timeoutMs);
        const expire = () => {
          timedOut = true;
          controller.abort();
        };
        const cancel = signal.onAbort(() => controller.abort());
        // Whatever error an abort surfaces as, the abort is the real cause.
        const describe = (error: unknown) =>
          timedOut ? `timeout after ${timeoutMs} ms` : signal.aborted ? 'aborted' : describeError(error);
        // targets() only returns services that have this kind's address.
        return check(addressOf(target.service)!, target.service, controller.signal, describe)
          .catch((error: unknown): ServiceResult => ({ up: false, error: describe(error) }))
          .then((result): ServiceResult =>
            !result.up && timedOut && lateMs > LOOP_LAG_MS ? { ...result, not_measured: 'loop_lag' } : result,
          )
          .finally(() => {
            clearTimeout(timer);
            cancel();
          });
      },
      points: (target, result, time): Point[] => {
        const fields: Partial<Record<ServiceField, number>> = { up: result.up ? 1 : 0 };
        for (const field of MEASURED) {
          const value = result[field];
          if (value !== undefined) fields[field] = value;
        }
        return [{ measurement: 'service', tags: target.tags, fields, time }];
      },
    }),
    observe: (target, r, time) =>
      r.not_measured
        ? { notMeasured: r.not_measured }
        : {
            sample: {
              source: 'service',
              subject: target.key,
              at: time,
              up: r.up,
              ...(r.error ? { error: r.error } : {}),
              ...(r.tls_days_left !== undefined ? { tls_days_left: r.tls_days_left } : {}),
            },
          },
  };
}

function describeError(error: unknown): string {
  return networkErrorWords(error) ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Subject keys, one rule for everyone who names a thing with a state: a
 * device is keyed by its id, a service by `service:<id>` (ids share one
 * namespace per kind, so the prefix keeps a service and a device of the same
 * id apart). The collector, the state engine, the store and the web use it.
 */
const SERVICE_PREFIX = 'service:';

export const serviceKey = (id: string): string => `${SERVICE_PREFIX}${id}`;

/** The service id of a subject key; undefined for a device. */
export function serviceIdOf(key: string): string | undefined {
  return key.startsWith(SERVICE_PREFIX) ? key.slice(SERVICE_PREFIX.length) : undefined;
}

/** The subject a stored point is about, from its `service` or `device` tag. */
export function subjectOfTags(tags: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof tags.service === 'string' && tags.service !== '') return serviceKey(tags.service);
  if (typeof tags.device === 'string' && tags.device !== '') return tags.device;
  return undefined;
}

/**
 * The power behind the network: each village's power and blackout slots,
 * the supplies (UPSes, routers on a DC UPS), and the Invincibility Points.
 */
import { invincibilityResponse, powerResponse } from '../../../common/api.ts';
import { invincibilityView, powerView, type PowerViewInputs } from '../../views/power.ts';
import { route, type RouteDef } from '../route.ts';
import type { Services } from '../services.ts';

/** Now, as the dashboard's other answers see it: the device states of one snapshot and its time. */
function inputs(services: Services): PowerViewInputs {
  const { at, devices } = services.dashboard.devices();
  const states = new Map(devices.map((d) => [d.id, d.state]));
  return {
    config: services.config,
    inventory: services.dashboard.inventory,
    stateOf: (id) => states.get(id) ?? 'unknown',
    power: services.power?.snapshot(),
    schedule: services.power?.schedule(),
    now: at,
  };
}

export const powerRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/api/power',
    access: 'viewer',
    tag: 'power',
    summary:
      "Each village's power (mains, on battery with minutes left, lost) and today's and tomorrow's blackout slots of its queue; the supplies",
    response: powerResponse,
    handler: ({ services }) => powerView(inputs(services)),
  }),
  route({
    method: 'get',
    path: '/api/invincibility-points',
    access: 'viewer',
    tag: 'power',
    summary:
      'Invincibility Points (Пункти незламності): their power and links now, whether they are in a blackout and online, what they lack',
    response: invincibilityResponse,
    handler: ({ services }) => invincibilityView(inputs(services)),
  }),
];

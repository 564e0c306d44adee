/** Every route of the server, in one list: the app, the OpenAPI description and the auth test all read it. */
import type { RouteDef } from '../route.ts';
import { inventoryRoutes } from './inventory.ts';
import { networkRoutes } from './network.ts';
import { powerRoutes } from './power.ts';
import { reportRoutes } from './reports.ts';
import { sessionRoutes } from './session.ts';
import { systemRoutes } from './system.ts';

export const ROUTES: readonly RouteDef[] = [
  ...sessionRoutes,
  ...networkRoutes,
  ...powerRoutes,
  ...reportRoutes,
  ...inventoryRoutes,
  ...systemRoutes(() => ROUTES),
];

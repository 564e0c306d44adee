/**
 * One REST route, declared once: method, path, who may call it, the schemas of
 * its query, body and answer, and the handler. The app registers routes from
 * these declarations, the OpenAPI description is generated from them, and the
 * auth test walks them, so no route can be added without its access rule.
 */
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Session } from '../auth/sessions.ts';
import type { AuthUser } from '../auth/users.ts';
import type { Services, WebServices } from './services.ts';

/** public: anyone; viewer: any signed-in user or token; admin: admins only. */
export type Access = 'public' | 'viewer' | 'admin';

export interface Principal {
  user: AuthUser;
  /** How the request proved who it is. */
  via: 'session' | 'token';
  session?: Session;
}

/** `S`: the services of the server the route belongs to; sign-in routes need only `WebServices`, so the oblast's server shares them. */
export interface RouteContext<Q, B, S extends WebServices = Services> {
  req: Request;
  res: Response;
  params: Record<string, string>;
  query: Q;
  body: B;
  /** Present on every route but public ones. */
  principal: Principal | undefined;
  services: S;
}

export interface RouteDef<Q = unknown, B = unknown, R = unknown, S extends WebServices = Services> {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  access: Access;
  summary: string;
  tag: string;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** The answer's schema; omitted for 204 No Content. */
  response?: z.ZodType<R>;
  status?: 200 | 201 | 204;
  handler(ctx: RouteContext<Q, B, S>): Promise<R | undefined> | R | undefined;
}

/** Keeps the type parameters of one route while the list holds many; the services are those of the list it goes in. */
export const route = <Q, B, R, S extends WebServices = Services>(def: RouteDef<Q, B, R, S>): RouteDef<unknown, unknown, unknown, S> =>
  def as unknown as RouteDef<unknown, unknown, unknown, S>;

/** An error the client should see, with its HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * HTTP header names and page element ids the server and the dashboard share. Values only, no zod:
 * the web imports this file at run time, while it takes only types from api.ts.
 */

/** Sent by the dashboard on requests the user did not ask for (timers, reconnects): they do not count as use of the session, so an open tab alone does not keep it from its idle timeout. */
export const BACKGROUND_HEADER = 'x-merezha-background';

/**
 * The id of the `<script type="application/json">` element in which the server hands a signed-in user's page the
 * answers to its first reads (server/http/static.ts). A data block, not a script: the Content-Security-Policy runs no
 * inline script.
 */
export const FIRST_READS_ELEMENT = 'merezha-first-reads';

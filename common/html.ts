/**
 * Text made safe for HTML, in element content and in quoted attribute values
 * alike (both quote kinds are escaped), so one function serves every page the
 * server writes by hand. Pure.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

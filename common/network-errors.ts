/**
 * Short, human words for the network errors Node reports, shared by the
 * service probes and the alert channels. Never includes the URL or address
 * (an alert channel's URL may carry a token).
 */
const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EPROTO: 'TLS handshake failed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection reset',
};

/** The words for an error's code (fetch keeps it in `cause`), or undefined when it has no known code. */
export function networkErrorWords(err: unknown): string | undefined {
  const cause = (err as { cause?: unknown } | null)?.cause ?? err;
  const code = (cause as { code?: unknown } | null)?.code ?? (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (NETWORK_ERRORS[code]) return NETWORK_ERRORS[code];
  if (code.startsWith('HPE_')) return 'invalid HTTP response';
  if (code.startsWith('ERR_SSL_')) return 'TLS handshake failed';
  return undefined;
}

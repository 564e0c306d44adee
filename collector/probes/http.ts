/**
 * HTTP(S) service checks (`url:`): one GET, up when the status is expected,
 * by default 200–399. Redirects are not followed, so a site that redirects
 * (http → https, / → /uk/) counts as up.
 *
 * Node's http/https are used rather than fetch because the check needs the
 * peer certificate: its expiry is recorded on every HTTPS check. Node is told
 * to accept any certificate and the check verifies it here instead, so the
 * expiry is known even when verification fails (an expired certificate is
 * exactly when it matters). The request is cancelled before anything is sent
 * over a connection that failed verification.
 */
import http from 'node:http';
import https from 'node:https';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import { serviceKind, type ServiceCheck, type ServiceResult } from './service.ts';

/** Enough to see the server finish a normal page; beyond it the body is not worth the wait. */
const BODY_LIMIT = 256 * 1024;
const DAY_MS = 86_400_000;

const TLS_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host name',
};

const checkHttp: ServiceCheck = (address, service, signal, describe) =>
  new Promise((resolve) => {
    const url = new URL(address);
    const started = performance.now();
    let tlsDaysLeft: number | undefined;
    // What the response showed so far, kept when its body then fails.
    let seen: ServiceResult = { up: false };
    let settled = false;
    const finish = (result: ServiceResult) => {
      if (settled) return;
      settled = true;
      // Also closes the connection: agent: false means it is never reused.
      req.destroy();
      resolve(tlsDaysLeft === undefined ? result : { ...result, tls_days_left: tlsDaysLeft });
    };
    // A body cut short (reset, timeout) means the page did not load.
    const fail = (error: unknown) => finish({ ...seen, up: false, error: describe(error) });

    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, { agent: false, signal, rejectUnauthorized: false, headers: { 'user-agent': 'merezha' } }, (res) => {
      const status = res.statusCode!; // always set on a client response
      const expected = service.expect_status;
      const up = expected ? expected.includes(status) : status >= 200 && status < 400;
      seen = { up, status_code: status, latency_ms: performance.now() - started };
      if (!up) seen.error = expected ? `HTTP ${status}, expected ${expected.join(' or ')}` : `HTTP ${status}`;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes >= BODY_LIMIT) finish(seen);
      });
      res.on('end', () => finish(seen));
      res.on('error', fail);
    });
    req.on('socket', (socket) => {
      if (!(socket instanceof TLSSocket)) return;
      socket.once('secureConnect', () => {
        tlsDaysLeft = daysLeft(socket.getPeerCertificate());
        if (service.tls_verify && !socket.authorized) {
          // Typed as Error, but node stores the OpenSSL code string here.
          const code = String(socket.authorizationError);
          req.destroy(Object.assign(new Error(TLS_ERRORS[code] ?? `certificate rejected (${code})`), { code }));
        }
      });
    });
    req.on('error', fail);
    req.end();
  });

function daysLeft(cert: PeerCertificate): number | undefined {
  const validTo = Date.parse(cert.valid_to);
  return Number.isNaN(validTo) ? undefined : (validTo - Date.now()) / DAY_MS;
}

export const httpProbe = serviceKind('http', checkHttp);

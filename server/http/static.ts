/**
 * The built web (web/dist), read once and served from memory. express.static
 * stat()ed, opened and streamed each file per request in 64 KB reads, each read
 * a turn of the event loop that the collector shares: on a busy server a cold
 * page load waited hundreds of milliseconds for its scripts. Here a file is one
 * write of a buffer, compressed once (brotli or gzip, as the client accepts),
 * with a strong ETag for revalidation; the hashed files under /assets never
 * change under their names and are cached for a year.
 *
 * The app shell (index.html, or oblast.html on the oblast's server) may carry
 * the answers to the page's first reads for a signed-in user (`firstReads` in
 * app.ts): that copy is made per request and never cached.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';
import type { Request, Response } from 'express';
import { FIRST_READS_ELEMENT } from '../../common/headers.ts';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.map', '.txt', '.webmanifest']);
/** Below this a compressed body saves less than its headers cost. */
const COMPRESS_FROM_BYTES = 1024;
/**
 * Brotli at 5 takes 16 ms for the 270 KB first script and gives 83 KB; 11 gives 75 KB in 700 ms, which every start of
 * the server (and of every test's) would pay.
 */
const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } };
/** The shell with its data is compressed per request, so faster still. */
const BROTLI_PER_REQUEST = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };
const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** What express.static's `maxAge: '1h'` said for the files that keep their names (favicon.svg, warm.js). */
const AN_HOUR = 'public, max-age=3600';

type Encoding = 'br' | 'gzip';

interface WebFile {
  body: Buffer;
  /** The same bytes compressed, where that makes them smaller. */
  encoded: Partial<Record<Encoding, Buffer>>;
  /** Strong: one per representation, so the compressed ones are told apart. */
  etag: string;
  cacheControl: string;
}

function cacheControlOf(path: string): string {
  if (path.startsWith('/assets/')) return IMMUTABLE;
  return path.endsWith('.html') ? 'no-cache' : AN_HOUR;
}

function compressed(body: Buffer): Partial<Record<Encoding, Buffer>> {
  if (body.length < COMPRESS_FROM_BYTES) return {};
  const out: Partial<Record<Encoding, Buffer>> = {};
  const br = brotliCompressSync(body, BROTLI);
  if (br.length < body.length) out.br = br;
  const gz = gzipSync(body);
  if (gz.length < body.length) out.gzip = gz;
  return out;
}

/** Every file under `dir` by its URL path, but those whose name starts with a dot (express.static's `dotfiles: 'ignore'`). */
function readTree(dir: string, prefix = '', into = new Map<string, WebFile>()): Map<string, WebFile> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return into;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const file = join(dir, name);
    const path = `${prefix}/${name}`;
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) readTree(file, path, into);
    else if (stat?.isFile()) {
      const body = readFileSync(file);
      into.set(path, {
        body,
        encoded: COMPRESSIBLE.has(extname(name)) ? compressed(body) : {},
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        cacheControl: cacheControlOf(path),
      });
    }
  }
  return into;
}

/** The encodings the client takes, from Accept-Encoding (`q=0` refuses one). */
function accepted(header: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) out.add(name);
  }
  return out;
}

function encodingFor(req: Request, available: Partial<Record<Encoding, unknown>>): Encoding | undefined {
  const takes = accepted(req.headers['accept-encoding']);
  return (['br', 'gzip'] as const).find((e) => available[e] !== undefined && (takes.has(e) || takes.has('*')));
}

const variantTag = (etag: string, encoding: Encoding | undefined) => (encoding ? `${etag.slice(0, -1)}-${encoding}"` : etag);

/** If-None-Match names this file in any of its representations (weak comparison, as RFC 9110 has it for this header). */
function notModified(req: Request, file: WebFile): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  const tags = new Set([file.etag, variantTag(file.etag, 'br'), variantTag(file.etag, 'gzip')]);
  return header.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === '*' || tags.has(t);
  });
}

function send(req: Request, res: Response, type: string, body: Buffer, encoding: Encoding | undefined, varies: boolean): void {
  res.type(type);
  if (varies) res.vary('Accept-Encoding');
  if (encoding) res.set('Content-Encoding', encoding);
  res.set('Content-Length', String(body.length));
  res.status(200).end(req.method === 'HEAD' ? undefined : body);
}

function sendFile(req: Request, res: Response, path: string, file: WebFile): void {
  const encoding = encodingFor(req, file.encoded);
  const varies = Object.keys(file.encoded).length > 0;
  res.set({ ETag: variantTag(file.etag, encoding), 'Cache-Control': file.cacheControl });
  if (notModified(req, file)) {
    if (varies) res.vary('Accept-Encoding');
    res.status(304).end();
    return;
  }
  send(req, res, extname(path), encoding ? file.encoded[encoding]! : file.body, encoding, varies);
}

/** A JSON text that cannot end the script element it sits in, whatever strings it holds. */
const inScriptElement = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export interface WebFiles {
  /** Serves a GET or HEAD of a built file; false when there is none at that path. */
  file(req: Request, res: Response): boolean;
  /**
   * Serves the app shell, with `data` (the first reads' answers) in it when given; false when the web is not built.
   * A shell with data is the user's alone: `no-store`, and compressed for this response.
   */
  shell(req: Request, res: Response, data?: Record<string, unknown>): Promise<boolean>;
}

export function webFiles(dir: string, shell: string): WebFiles {
  const shellPath = `/${shell}`;
  let files = readTree(dir);
  // Not built when the server started (a checkout before `npm run build:web`): looked for again on each request for the
  // page, as express.static did, until it is there.
  const current = () => (files.has(shellPath) ? files : (files = readTree(dir)));
  return {
    file(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      let path: string;
      try {
        path = decodeURIComponent(req.path);
      } catch {
        return false;
      }
      const file = current().get(path);
      if (!file) return false;
      sendFile(req, res, path, file);
      return true;
    },
    async shell(req, res, data) {
      const file = current().get(shellPath);
      if (!file) return false;
      if (!data) {
        sendFile(req, res, shellPath, file);
        return true;
      }
      const page = file.body.toString('utf8');
      const block = `<script type="application/json" id="${FIRST_READS_ELEMENT}">${inScriptElement(data)}</script>\n`;
      // In the head, so that it is there before any script runs; a shell without one (a test's) gets it at its end.
      const at = page.includes('</head>') ? page.indexOf('</head>') : page.length;
      const body = Buffer.from(page.slice(0, at) + block + page.slice(at));
      const encoding = encodingFor(req, { br: true, gzip: true });
      const sent = encoding === 'br' ? await brotliAsync(body, BROTLI_PER_REQUEST) : encoding === 'gzip' ? await gzipAsync(body) : body;
      res.set('Cache-Control', 'no-store');
      send(req, res, '.html', sent, encoding, true);
      return true;
    },
  };
}

// Response and request plumbing shared by every endpoint of the simulated apiserver.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import type { JsonValue } from './json.js';
import type { OutputMediaType } from './negotiation.js';
import { SimApiError } from './status.js';

/** kube-apiserver's default --max-request-body-bytes is 3 MiB; the sim allows seeding-sized bodies. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
const LIST_CHUNK_BYTES = 256 * 1024;

export type Headers = Record<string, string | string[]>;

export function sendJson(res: ServerResponse, code: number, body: JsonValue, headers: Headers = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes `body` in the negotiated encoding (JSON or YAML). */
export function sendEncoded(
  res: ServerResponse,
  code: number,
  body: JsonValue,
  media: OutputMediaType,
  headers: Headers = {},
): void {
  if (media.encoding === 'json') {
    sendJson(res, code, body, headers);
    return;
  }
  const text = toYaml(body);
  res.writeHead(code, { 'Content-Type': 'application/yaml', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, code: number, text: string, headers: Headers = {}): void {
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) reject(new SimApiError(413, 'BadRequest', 'request entity too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Writes `chunks` honouring backpressure, so a 150k-pod list never sits in memory twice. */
export async function writeAll(res: ServerResponse, chunks: Iterable<Buffer>): Promise<void> {
  let pending: Buffer[] = [];
  let size = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const ok = res.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, size));
    pending = [];
    size = 0;
    if (!ok && !res.destroyed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  };
  for (const c of chunks) {
    if (res.destroyed) return;
    pending.push(c);
    size += c.length;
    if (size >= LIST_CHUNK_BYTES) await flush();
  }
  await flush();
}

/** Warning headers as the apiserver's warning recorder writes them: `299 - "text"`. */
export const warningHeaders = (texts: readonly string[]): Headers =>
  texts.length === 0 ? {} : { Warning: texts.map((t) => `299 - ${JSON.stringify(t)}`) };

import type { IncomingMessage } from 'node:http';

/** Bytes of a refused body read and thrown away at most, past the route's limit. */
export const DISCARD_MAX_BYTES = 64 * 1024 * 1024;
/** How long a client may take to finish sending a refused body. */
export const DISCARD_MAX_MS = 30_000;

/**
 * Reads the rest of a request body that was refused as too large, and throws it away, so that
 * the connection stays open until the client has sent it all. Closing the connection at once (as
 * Fastify does after a 413) resets it under a client still writing: Node's fetch then fails with
 * EPIPE instead of reading the 413, and cannot tell "too big" from "network down". Bounded: a
 * body longer than `maxBytes`, or one still arriving after `maxMs`, ends the connection.
 *
 * Returns false when the body is already known to be over the bound (Content-Length), so the
 * caller closes the connection as before.
 */
export function discardRestOfBody(
  request: IncomingMessage,
  { maxBytes = DISCARD_MAX_BYTES, maxMs = DISCARD_MAX_MS } = {},
): boolean {
  const declared = Number(request.headers['content-length']);
  if (declared > maxBytes) return false;
  if (request.complete || request.destroyed) return true;
  let seen = 0;
  const cut = () => {
    clearTimeout(timer);
    request.socket.destroy();
  };
  const timer = setTimeout(cut, maxMs);
  timer.unref();
  request.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) cut();
  });
  request.once('end', () => clearTimeout(timer));
  request.once('close', () => clearTimeout(timer));
  request.resume();
  return true;
}

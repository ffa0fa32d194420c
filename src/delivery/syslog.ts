import { once } from 'node:events';
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { OutboundRecord } from './record.js';
import { delivered, networkFailure, retryable, type SendResult, type Transport } from './send-result.js';
import { octetCountedFrame, type SyslogMessageConfig, syslogMessage } from './syslog-message.js';

export interface SyslogTlsOptions {
  /** Certificates to trust instead of the system's (a private CA, a self-signed receiver). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** The name the receiver's certificate must carry; defaults to `host` when that is a name. */
  servername?: string;
  /** A client certificate and key, for receivers that ask for one. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface SyslogConfig extends SyslogMessageConfig {
  host: string;
  port: number;
  /** Present: TLS (RFC 5425). Absent: plain TCP. */
  tls?: SyslogTlsOptions;
  connectTimeoutMs?: number;
  /** How long one batch may take to be taken by the connection before the attempt fails. */
  writeTimeoutMs?: number;
}

const DEFAULTS = { connectTimeoutMs: 10_000, writeTimeoutMs: 30_000 };

/**
 * Syslog over one long-lived TCP or TLS connection, frames octet-counted (RFC 6587). A write that
 * the connection does not take waits for it to drain (so at most one frame beyond the socket's
 * buffer is held), within the batch's time limit. A connection that fails, closes or times out
 * is dropped whole, since a frame may be cut in half, and the next batch connects again.
 *
 * Syslog has no acknowledgement: a batch counts as delivered once the last frame is handed to
 * the operating system with the connection still up. A receiver that drops the connection with
 * frames still unread in its buffers loses those without the sender learning of it.
 */
export function createSyslogTransport(config: SyslogConfig): Transport {
  const settings = { ...DEFAULTS, ...config };
  let socket: Socket | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  function drop(): void {
    socket?.destroy();
    socket = undefined;
  }

  async function connected(): Promise<Socket> {
    if (socket && !socket.destroyed && socket.writable) return socket;
    drop();
    const fresh = settings.tls
      ? tlsConnect({
          host: settings.host,
          port: settings.port,
          ca: settings.tls.ca,
          cert: settings.tls.cert,
          key: settings.tls.key,
          servername: settings.tls.servername ?? (isIP(settings.host) ? undefined : settings.host),
          rejectUnauthorized: true,
        })
      : tcpConnect({ host: settings.host, port: settings.port });
    fresh.setNoDelay(true);
    fresh.setKeepAlive(true, 60_000);
    const timer = setTimeout(
      () => fresh.destroy(new Error(`no connection within ${settings.connectTimeoutMs} ms`)),
      settings.connectTimeoutMs,
    );
    try {
      await once(fresh, settings.tls ? 'secureConnect' : 'connect');
    } catch (error) {
      fresh.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    // From here on an error or a close by the receiver only marks the connection dead; the batch
    // in flight learns of it from its own wait, the next batch reconnects.
    fresh.on('error', () => {});
    fresh.on('end', () => fresh.destroy());
    fresh.on('close', () => {
      if (socket === fresh) socket = undefined;
    });
    socket = fresh;
    return fresh;
  }

  async function sendBatch(records: readonly OutboundRecord[]): Promise<SendResult> {
    if (records.length === 0) return delivered(0);
    let connection: Socket;
    try {
      connection = await connected();
    } catch (error) {
      return networkFailure(error);
    }
    const deadline = Date.now() + settings.writeTimeoutMs;
    try {
      for (const record of records) {
        if (!connection.write(octetCountedFrame(syslogMessage(record, settings)))) {
          await drained(connection, deadline - Date.now());
        }
      }
      await flushed(connection, deadline - Date.now());
      // Let a close or reset that has already arrived be noticed before calling the batch sent.
      await new Promise((resolve) => setImmediate(resolve));
      if (connection.destroyed || !connection.writable) throw new Error('the receiver closed the connection');
      return delivered(records.length);
    } catch (error) {
      drop();
      if (error instanceof WriteTimeout) {
        return retryable(`the receiver did not take the batch within ${settings.writeTimeoutMs} ms`);
      }
      return networkFailure(error);
    }
  }

  return {
    send(records) {
      const result = queue.then(() => sendBatch(records));
      queue = result.catch(() => {});
      return result;
    },
    async close() {
      await queue;
      const closing = socket;
      socket = undefined;
      if (!closing || closing.destroyed) return;
      const closed = once(closing, 'close').catch(() => {});
      closing.end();
      const timer = setTimeout(() => closing.destroy(), 2_000);
      await closed;
      clearTimeout(timer);
    },
  };
}

class WriteTimeout extends Error {}

/** Resolves when the socket takes more data; rejects on its error, close, or the time limit. */
function drained(socket: Socket, remainingMs: number): Promise<void> {
  return waitFor(socket, remainingMs, (done) => {
    socket.once('drain', done);
    return () => socket.off('drain', done);
  });
}

/** Resolves when everything written so far has been handed to the operating system. */
function flushed(socket: Socket, remainingMs: number): Promise<void> {
  return waitFor(socket, remainingMs, (done, fail) => {
    socket.write('', (error) => (error ? fail(error) : done()));
    return () => {};
  });
}

function waitFor(
  socket: Socket,
  remainingMs: number,
  start: (done: () => void, fail: (error: Error) => void) => () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let stop = () => {};
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('close', onClose);
      stop();
      if (error) reject(error);
      else resolve();
    };
    const onError = (error: Error) => finish(error);
    const onClose = () => finish(new Error('the receiver closed the connection'));
    const timer = setTimeout(() => finish(new WriteTimeout()), Math.max(0, remainingMs));
    socket.once('error', onError);
    socket.once('close', onClose);
    if (socket.destroyed) {
      finish(new Error('the receiver closed the connection'));
      return;
    }
    stop = start(
      () => finish(),
      (error) => finish(error),
    );
  });
}

import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { SelfSignedCert } from './tls-cert.js';

export interface StructuredDataElement {
  id: string;
  params: Record<string, string>;
}

export interface SyslogMessage {
  facility: number;
  severity: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: StructuredDataElement[];
  /** True when MSG began with the UTF-8 byte order mark (RFC 5424 §6.4). */
  bom: boolean;
  msg: string;
}

/**
 * A syslog receiver on 127.0.0.1 and a random port, over TCP or TLS: reads RFC 6587
 * octet-counted frames and parses each as RFC 5424, strictly (a malformed message fails the
 * test that sent it). Fails on demand: stop reading, drop a connection after N more frames,
 * go down and come back on the same port.
 */
export class SyslogReceiver {
  readonly messages: SyslogMessage[] = [];
  readonly errors: string[] = [];
  connections = 0;
  port = 0;
  private server: Server;
  private sockets = new Set<Socket>();
  private paused = false;
  private dropAfter: number | undefined;

  constructor(private readonly tls?: SelfSignedCert) {
    this.server = this.newServer();
  }

  async start(): Promise<this> {
    await this.listen(0);
    return this;
  }

  /** Stops reading from every connection: the sender's writes back up. */
  pause(): void {
    this.paused = true;
    for (const socket of this.sockets) socket.pause();
  }

  resume(): void {
    this.paused = false;
    for (const socket of this.sockets) socket.resume();
  }

  /** Cuts the connection that brings the next `frames` frames right after reading them. */
  dropAfterFrames(frames: number): void {
    this.dropAfter = frames;
  }

  /** Cuts every open connection now, unread data and all. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async down(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.dropConnections();
    });
  }

  async up(): Promise<void> {
    this.server = this.newServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.down();
  }

  async waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('the syslog receiver did not get what was expected in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private newServer(): Server {
    const onSocket = (socket: Socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {});
      if (this.paused) socket.pause();
      let buffered: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        let frames: Buffer[];
        try {
          ({ frames, rest: buffered } = splitOctetCounted(buffered));
        } catch (error) {
          this.errors.push((error as Error).message);
          socket.destroy();
          return;
        }
        for (const frame of frames) {
          if (socket.destroyed) return;
          try {
            this.messages.push(parseRfc5424(frame));
          } catch (error) {
            this.errors.push((error as Error).message);
          }
          if (this.dropAfter !== undefined && --this.dropAfter <= 0) {
            this.dropAfter = undefined;
            socket.destroy();
          }
        }
      });
    };
    const server = this.tls
      ? createTlsServer({ cert: this.tls.cert, key: this.tls.key }, onSocket)
      : createTcpServer(onSocket);
    server.on('tlsClientError', () => {});
    return server;
  }
}

/** RFC 6587 §3.4.1: `MSG-LEN SP SYSLOG-MSG`, repeated; returns whole frames and the remainder. */
export function splitOctetCounted(buffer: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let at = 0;
  for (;;) {
    const space = buffer.indexOf(0x20, at);
    if (space < 0) break;
    const lengthText = buffer.subarray(at, space).toString('ascii');
    if (!/^[1-9]\d{0,8}$/.test(lengthText)) throw new Error(`bad frame length "${lengthText}"`);
    const length = Number(lengthText);
    if (buffer.length < space + 1 + length) break;
    frames.push(buffer.subarray(space + 1, space + 1 + length));
    at = space + 1 + length;
  }
  return { frames, rest: buffer.subarray(at) };
}

const PRINTUSASCII = /^[\x21-\x7e]+$/;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function headerToken(text: string, at: number, maxLength: number, name: string): [string, number] {
  const end = text.indexOf(' ', at);
  if (end < 0) throw new Error(`${name} is not followed by a space`);
  const value = text.slice(at, end);
  if (!PRINTUSASCII.test(value) || value.length > maxLength) throw new Error(`bad ${name} "${value}"`);
  return [value, end + 1];
}

/** RFC 5424 §6, strictly. */
export function parseRfc5424(frame: Buffer): SyslogMessage {
  // The header and structured data are ASCII, except PARAM-VALUEs, which are UTF-8.
  const text = frame.toString('utf8');
  const priMatch = /^<(\d{1,3})>([1-9]\d{0,2}) /.exec(text);
  if (!priMatch) throw new Error('no <PRI>VERSION');
  const pri = Number(priMatch[1]);
  if (pri > 191 || (priMatch[1]!.length > 1 && priMatch[1]!.startsWith('0')))
    throw new Error(`bad PRI ${pri}`);
  let at = priMatch[0].length;
  const fields: string[] = [];
  const limits = [
    [64, 'TIMESTAMP'],
    [255, 'HOSTNAME'],
    [48, 'APP-NAME'],
    [128, 'PROCID'],
    [32, 'MSGID'],
  ] as const;
  for (const [maxLength, name] of limits) {
    const [value, next] = headerToken(text, at, maxLength, name);
    fields.push(value);
    at = next;
  }
  const [timestamp, hostname, appName, procId, msgId] = fields as [string, string, string, string, string];
  if (
    timestamp !== '-' &&
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/.test(timestamp)
  ) {
    throw new Error(`bad TIMESTAMP ${timestamp}`);
  }
  const structuredData: StructuredDataElement[] = [];
  if (text[at] === '-') {
    at += 1;
  } else {
    while (text[at] === '[') {
      at += 1;
      const idEnd = text.slice(at).search(/[ \]]/);
      if (idEnd < 0) throw new Error('unterminated SD-ELEMENT');
      const id = text.slice(at, at + idEnd);
      if (!/^[\x21-\x7e]{1,32}$/.test(id) || /[= \]"]/.test(id)) throw new Error(`bad SD-ID "${id}"`);
      at += idEnd;
      const params: Record<string, string> = {};
      while (text[at] === ' ') {
        at += 1;
        const eq = text.indexOf('="', at);
        if (eq < 0) throw new Error('SD-PARAM without ="');
        const name = text.slice(at, eq);
        if (!/^[\x21-\x7e]{1,32}$/.test(name) || /[= \]"]/.test(name))
          throw new Error(`bad PARAM-NAME "${name}"`);
        at = eq + 2;
        let value = '';
        for (;;) {
          const c = text[at];
          if (c === undefined) throw new Error('unterminated PARAM-VALUE');
          if (c === '\\') {
            const next = text[at + 1];
            if (next === '"' || next === '\\' || next === ']') value += next;
            else value += `\\${next ?? ''}`;
            at += 2;
          } else if (c === '"') {
            at += 1;
            break;
          } else if (c === ']') {
            throw new Error('unescaped ] in a PARAM-VALUE');
          } else {
            value += c;
            at += 1;
          }
        }
        params[name] = value;
      }
      if (text[at] !== ']') throw new Error('SD-ELEMENT not closed');
      at += 1;
      structuredData.push({ id, params });
    }
    if (structuredData.length === 0) throw new Error('no STRUCTURED-DATA');
  }
  let bom = false;
  let msg = '';
  if (at < text.length) {
    if (text[at] !== ' ') throw new Error('no space before MSG');
    const rest = Buffer.from(text.slice(at + 1), 'utf8');
    bom = rest.subarray(0, 3).equals(BOM);
    msg = (bom ? rest.subarray(3) : rest).toString('utf8');
  }
  return {
    facility: pri >> 3,
    severity: pri & 7,
    version: Number(priMatch[2]),
    timestamp,
    hostname,
    appName,
    procId,
    msgId,
    structuredData,
    bom,
    msg,
  };
}

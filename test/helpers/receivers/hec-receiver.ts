import { HttpReceiver, type ReceivedRequest, type Refusal } from './http-receiver.js';

export interface HecEnvelope {
  time: number;
  host?: string;
  source?: string;
  sourcetype?: string;
  index?: string;
  event: unknown;
}

const ENVELOPE_KEYS = new Set(['time', 'host', 'source', 'sourcetype', 'index', 'event', 'fields']);

/**
 * A Splunk HTTP Event Collector look-alike: `POST /services/collector/event` with
 * `Authorization: Splunk <token>`, a body of concatenated JSON envelopes. Answers as Splunk
 * does: 401 without a token, 403 for a wrong one, 400 "Invalid data format" for a bad envelope.
 */
export class HecReceiver extends HttpReceiver {
  constructor(token: string) {
    super({
      check: (request) => checkHec(request, token),
      accept: { status: 200, body: '{"text":"Success","code":0}' },
    });
  }

  get envelopes(): HecEnvelope[] {
    return this.accepted.flatMap((request) =>
      parseConcatenatedJson(request.body.toString('utf8')),
    ) as HecEnvelope[];
  }
}

function checkHec(request: ReceivedRequest, token: string): Refusal | undefined {
  if (request.method !== 'POST' || request.path !== '/services/collector/event') {
    return { status: 404, body: '{"text":"The requested URL was not found on this server.","code":404}' };
  }
  const authorization = request.headers.authorization;
  if (!authorization) return { status: 401, body: '{"text":"Token is required","code":2}' };
  if (authorization !== `Splunk ${token}`) return { status: 403, body: '{"text":"Invalid token","code":4}' };
  let envelopes: unknown[];
  try {
    envelopes = parseConcatenatedJson(request.body.toString('utf8'));
  } catch {
    return { status: 400, body: '{"text":"Invalid data format","code":6}' };
  }
  for (const envelope of envelopes) {
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
      return { status: 400, body: '{"text":"Invalid data format","code":6}' };
    }
    const record = envelope as Record<string, unknown>;
    const badKey = Object.keys(record).find((key) => !ENVELOPE_KEYS.has(key));
    const timeText = JSON.stringify(record.time);
    if (badKey || record.event === undefined || !/^\d+(\.\d{1,3})?$/.test(timeText ?? '')) {
      return { status: 400, body: '{"text":"Invalid data format","code":6}' };
    }
  }
  return envelopes.length === 0 ? { status: 400, body: '{"text":"No data","code":5}' } : undefined;
}

/** Splits `{...}{...}` (with or without whitespace between) into the parsed objects. */
export function parseConcatenatedJson(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth += 1;
    } else if (c === '}') {
      depth -= 1;
      if (depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
      if (depth < 0) throw new Error('unbalanced');
    } else if (depth === 0 && !/\s/.test(c!)) throw new Error(`unexpected ${c} between envelopes`);
  }
  if (depth !== 0 || inString) throw new Error('truncated');
  return values;
}

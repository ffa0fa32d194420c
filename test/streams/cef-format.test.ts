import { describe, expect, it } from 'vitest';
import { cefExtensionEscape, cefHeaderEscape, cefLine } from '../../src/export/formats/cef.js';
import { chainOf, HOSTILE_STRINGS, SAMPLE_EVENTS } from './sample-events.js';

interface ParsedCef {
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  extensions: Record<string, string>;
}

/**
 * A CEF reader written from the ArcSight CEF specification (revision 25): seven header fields
 * after "CEF:", separated by unescaped pipes (`\|` and `\\` are escapes in the header); then
 * space-separated key=value pairs, where a value runs until the space before the next key and
 * `\=`, `\\`, `\n` and `\r` are its escapes. Keys are alphanumeric (plus `_` and `.`).
 */
function parseCef(line: string): ParsedCef {
  if (!line.startsWith('CEF:')) throw new Error('not a CEF line');
  if (/[\r\n]/.test(line)) throw new Error('a CEF line holds no line break');
  const header: string[] = [];
  let field = '';
  let i = 4;
  while (header.length < 7) {
    if (i >= line.length) throw new Error('header ends early');
    const c = line[i]!;
    if (c === '\\') {
      const next = line[i + 1];
      if (next !== '\\' && next !== '|') throw new Error(`bad header escape \\${next}`);
      field += next;
      i += 2;
    } else if (c === '|') {
      header.push(field);
      field = '';
      i += 1;
    } else {
      field += c;
      i += 1;
    }
  }
  const extension = line.slice(i);
  // Each unescaped '=' ends a key; the key is the run of key characters right before it.
  const keys: Array<{ key: string; start: number; valueStart: number }> = [];
  for (let j = 0; j < extension.length; j++) {
    if (extension[j] === '\\') {
      j += 1;
      continue;
    }
    if (extension[j] !== '=') continue;
    let k = j;
    while (k > 0 && /[A-Za-z0-9_.]/.test(extension[k - 1]!)) k -= 1;
    if (k === j || (k > 0 && extension[k - 1] !== ' '))
      throw new Error(`unescaped '=' inside a value at ${j}`);
    keys.push({ key: extension.slice(k, j), start: k, valueStart: j + 1 });
  }
  const extensions: Record<string, string> = {};
  keys.forEach(({ key, valueStart }, index) => {
    const end = index + 1 < keys.length ? keys[index + 1]!.start - 1 : extension.length;
    const raw = extension.slice(valueStart, end);
    if (key in extensions) throw new Error(`key ${key} twice`);
    extensions[key] = raw.replace(/\\(.)/g, (_, c: string) => {
      if (c === 'n') return '\n';
      if (c === 'r') return '\r';
      if (c === '\\' || c === '=') return c;
      throw new Error(`bad extension escape \\${c}`);
    });
  });
  const [version, vendor, product, deviceVersion, signatureId, name, severity] = header as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { version, vendor, product, deviceVersion, signatureId, name, severity, extensions };
}

const options = { productVersion: '0.1.0' };

describe('CEF stream format', () => {
  it('writes the header and the standard keys', () => {
    const parsed = parseCef(cefLine(SAMPLE_EVENTS[13]!, options));
    expect(parsed).toMatchObject({
      version: '0',
      vendor: 'Trailmark',
      product: 'Trailmark',
      deviceVersion: '0.1.0',
      signatureId: 'api.request',
      name: 'api.request',
      severity: '1',
    });
    const event = SAMPLE_EVENTS[13]!;
    expect(parsed.extensions).toEqual({
      rt: String(Date.parse(event.occurred_at)),
      art: String(Date.parse(event.received_at)),
      externalId: event.id,
      act: 'api.request',
      cat: 'request',
      outcome: 'success',
      suid: 'key_1',
      suser: 'CI key',
      src: '198.51.100.4',
      requestClientApplication: 'curl/8.0',
      requestMethod: 'DELETE',
      request: '/api/v1/templates/tpl_9',
      cn1: String(event.seq),
      cn1Label: 'seq',
      cn2: '204',
      cn2Label: 'httpStatus',
      cfp1: '12.5',
      cfp1Label: 'durationMs',
      cs5: 'org_a',
      cs5Label: 'org',
      cs6: event.hash,
      cs6Label: 'hash',
      flexString1: 'api_key',
      flexString1Label: 'actorType',
    });
  });

  it('gives a failure a medium severity and names the event by its description', () => {
    const failed = parseCef(cefLine(SAMPLE_EVENTS[1]!, options));
    expect(failed.severity).toBe('5');
    expect(failed.extensions.outcome).toBe('failure');
    const created = parseCef(cefLine(SAMPLE_EVENTS[8]!, options));
    expect(created.name).toBe('Ada created template Invoice');
    expect(created.extensions).toMatchObject({
      cs2: 'template',
      cs3: 'tpl_9',
      cs4: 'Invoice',
      flexString2: 'ws_1',
      flexString2Label: 'workspace',
    });
  });

  it('every sample event is one parseable line', () => {
    for (const event of SAMPLE_EVENTS) {
      const parsed = parseCef(cefLine(event, options));
      expect(parsed.extensions.externalId).toBe(event.id);
    }
  });

  it('round-trips hostile values through the header and the extensions', () => {
    for (const text of HOSTILE_STRINGS) {
      const [event] = chainOf([
        {
          action: 'doc.updated',
          occurred_at: '2026-11-01T10:00:00.000Z',
          actor: { type: 'user', id: `id ${text} x=y`, name: text, email: 'a@b.example' },
          resource: { type: 'doc', id: `r=${text}`, name: text },
          workspace: text || 'w',
          description: text || undefined,
          context: { user_agent: text },
          request: { method: 'POST', path: `/p?a=b&c=${text}`, status_code: 200 },
        },
      ]);
      const parsed = parseCef(cefLine(event!, { productVersion: `1|${text}` }));
      expect(parsed.deviceVersion).toBe(`1|${text}`.replace(/\r\n|[\r\n]/g, ' '));
      expect(parsed.name).toBe((text || 'doc.updated').replace(/\r\n|[\r\n]/g, ' '));
      expect(parsed.extensions).toMatchObject({
        suid: `id ${text} x=y`,
        suser: text,
        cs3: `r=${text}`,
        cs4: text,
        requestClientApplication: text,
        request: `/p?a=b&c=${text}`,
        flexString2: text || 'w',
      });
      if (text) expect(parsed.extensions.msg).toBe(text);
    }
  });

  it('escapes exactly what the specification lists', () => {
    expect(cefHeaderEscape('a|b\\c\nd')).toBe('a\\|b\\\\c d');
    expect(cefExtensionEscape('a=b\\c\nd\re|f')).toBe('a\\=b\\\\c\\nd\\re|f');
  });
});

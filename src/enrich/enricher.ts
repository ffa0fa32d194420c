import type { Enricher } from '../domain/prepare-event.js';
import { GeoLookup } from './geo.js';
import { UserAgentParser } from './user-agent.js';

export function createEnricher(options: { geoDir?: string } = {}): Enricher {
  const geo = new GeoLookup(options.geoDir);
  const agents = new UserAgentParser();
  return {
    location: (ip) => geo.lookup(ip),
    client: (userAgent) => agents.parse(userAgent),
  };
}

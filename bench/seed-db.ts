import { argValue, report } from './lib.js';
import { seed } from './seed.js';

/**
 * `npx tsx bench/seed-db.ts --db=PATH_OR_URL [--events=1000000]`: loads the query benchmark's
 * data (one org of `--events` events, nine of a tenth of that, over 29 days) into a database
 * that is kept, for looking at plans and profiles without seeding again each time.
 */
const db = argValue('db', '');
if (!db) throw new Error('--db=PATH_OR_URL is required');
const events = Number(argValue('events', '1000000'));
const plan: Record<string, number> = { bench_big: events };
for (let i = 1; i <= 9; i++) plan[`bench_other_${i}`] = Math.round(events / 10);
const seeded = await seed(db, { orgs: plan, days: 29 });
report('seed_rate', Math.round(seeded.events / seeded.seconds), 'events/s');

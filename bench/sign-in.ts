import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { freshDatabase, percentile, report } from './lib.js';

/**
 * How long a refused sign-in takes for a known account (wrong password) and for an unknown email:
 * the two must not differ, or the answer's time tells which emails have accounts. Attempts are
 * interleaved so that load on the machine falls on both alike. `npm run bench -- --only=sign-in`
 */
export async function runSignInBenchmark(backend: string, tries = 100): Promise<void> {
  const db = await freshDatabase(backend);
  let firstOwner = '';
  const server = await startServer(
    {
      ...loadConfig({}),
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      databaseUrl: db.url,
      loginMaxFailuresPerIp: 1_000_000,
      loginMaxFailuresPerAccount: 1_000_000,
    },
    {
      firstOwner: (text) => {
        firstOwner += text;
      },
      backgroundJobs: false,
    },
  );
  try {
    const email = /email:\s+(\S+)/.exec(firstOwner)?.[1];
    if (!email) throw new Error('the server created no first owner');
    const attempt = async (who: string): Promise<number> => {
      const started = performance.now();
      const res = await fetch(`${server.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: who, password: 'definitely not the password' }),
      });
      await res.arrayBuffer();
      const elapsed = performance.now() - started;
      if (res.status !== 401) throw new Error(`sign-in answered ${res.status}, expected 401`);
      // The known account's failed-login event is written after the answer: let it finish so that
      // it does not slow down the next attempt.
      await server.ctx.logins.settled();
      return elapsed;
    };
    for (let i = 0; i < 10; i++) {
      await attempt(email);
      await attempt('warmup@example.test');
    }
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < tries; i++) {
      known.push(await attempt(email));
      unknown.push(await attempt(`nobody-${i}@example.test`));
    }
    const k = percentile(known, 50);
    const u = percentile(unknown, 50);
    report(`sign_in_wrong_password_p50_${backend}`, Number(k.toFixed(1)), 'ms');
    report(`sign_in_unknown_email_p50_${backend}`, Number(u.toFixed(1)), 'ms');
    report(
      `sign_in_timing_difference_${backend}`,
      Number((Math.abs(k - u) / Math.max(k, u)).toFixed(3)),
      'ratio',
    );
  } finally {
    await server.close();
    await db.drop();
  }
}

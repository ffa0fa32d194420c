import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { LogConsumers } from '../../src/workers/consumers/log-consumers.js';
import { StreamDeliveries } from '../../src/workers/streams/stream-deliveries.js';
import { BACKENDS } from '../helpers/backends.js';

const log = pino({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

for (const backend of BACKENDS) {
  describe(`stream deliveries on ${backend.name}`, () => {
    // A sync that fails (the database restarting) once ended the server: the chain the next
    // sync waits on rejected with nothing to handle it.
    it('answers a failed sync to its caller and leaves no rejection unhandled', async () => {
      const db = await backend.databaseUrl();
      cleanups.push(() => db.drop());
      const store = await openStore(db.url);
      await store.migrate();
      const consumers = new LogConsumers({ store, log, holder: 'test' });
      const deliveries = new StreamDeliveries({ store, consumers, log, pause: async () => undefined });
      await deliveries.sync();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        await store.close();
        await expect(deliveries.sync()).rejects.toThrow();
        await expect(deliveries.sync()).rejects.toThrow();
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      await deliveries.stop();
      await consumers.stop();
    });
  });
}

import { BACKENDS } from '../helpers/backends.js';
import { openHarness } from './harness.js';
import { runStoreContract } from './store-contract.js';

for (const backend of BACKENDS) {
  runStoreContract({ name: backend.name, newStore: () => openHarness(backend) });
}

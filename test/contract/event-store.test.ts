import { eventStoreContract } from './event-store.contract.js';
import { TEST_DIALECT, tempDatabase } from '../support/server.js';

eventStoreContract(TEST_DIALECT === 'postgres' ? 'PostgreSQL server' : 'SQLite file', async () => {
  const temp = await tempDatabase();
  return { database: temp.database, dispose: temp.dispose };
});

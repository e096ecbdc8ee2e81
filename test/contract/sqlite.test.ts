import { eventStoreContract } from './event-store.contract.js';
import { tempDatabase } from '../support/server.js';

eventStoreContract('SQLite file', async () => {
  const temp = await tempDatabase();
  return { database: temp.database, dispose: temp.dispose };
});

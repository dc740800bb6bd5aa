import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { describe, it } from 'vitest';
import { runStoreContract } from '../contract/index.js';
import { openMongoStore } from './index.js';

/*
 * The store contract suite against MongoDB. It needs a replica set (transactions), so it runs only
 * when MONGODB_URI is set, e.g.
 *   MONGODB_URI=mongodb://127.0.0.1:27017/?replicaSet=rs0 npx vitest run --project server server/src/store/mongo
 * Every opened store gets a database of its own, dropped in cleanup.
 */
const uri = process.env.MONGODB_URI;

if (uri === undefined || uri === '') {
  describe('mongo store', () => {
    it.skip('runs the store contract only when MONGODB_URI points at a MongoDB replica set (e.g. mongodb://127.0.0.1:27017/?replicaSet=rs0)', () => {});
  });
} else {
  runStoreContract('mongo', async () => {
    const dbName = `nexusflow_test_${randomBytes(6).toString('hex')}`;
    const store = await openMongoStore({ uri, dbName });
    return {
      store,
      async cleanup() {
        // The suite may have closed the store already; drop the database over a connection of its own.
        await store.close().catch(() => undefined);
        const admin = mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 5_000 });
        try {
          await admin.asPromise();
          await admin.dropDatabase();
        } finally {
          await admin.close();
        }
      },
    };
  });
}

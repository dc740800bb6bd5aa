import path from 'node:path';
import type { ServerConfig } from '../config/config.js';
import type { Store } from './types.js';

/** The configured store: MongoDB when `MONGODB_URI` is set, else SQLite under the data directory. */
export async function openStore(config: ServerConfig, now: () => number): Promise<Store> {
  if (config.mongodbUri !== undefined) {
    const { openMongoStore } = await import('./mongo/index.js');
    return openMongoStore({ uri: config.mongodbUri, now });
  }
  const { openSqliteStore } = await import('./sqlite/index.js');
  return openSqliteStore({ file: path.join(config.dataDir, 'nexusflow.db'), now });
}

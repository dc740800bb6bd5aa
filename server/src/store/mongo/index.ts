import { channelAndAppRepositories } from './channels-apps.js';
import mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import { StoreError } from '../errors.js';
import type { Store } from '../types.js';
import { accountRepositories } from './accounts.js';
import { apiKeyRepositories } from './api-keys.js';
import { counterModel, guarded, storeErrorOf } from './common.js';
import type { MongoContext, Syncable } from './common.js';
import { conversationRepositories } from './conversations.js';
import { engineStores } from './engine-stores.js';
import { flowRepositories } from './flows.js';
import { ledgerRepository } from './ledger.js';
import { pluginRepositories } from './plugins.js';

export interface MongoStoreOptions {
  /** `mongodb://` or `mongodb+srv://` URI of a replica set (transactions need one). */
  uri: string;
  /** Database name; default: the one in the URI (MongoDB's default `test` when it has none). */
  dbName?: string;
  /** Clock for every time the store writes; tests pass a fake one. Default `Date.now`. */
  now?: () => number;
  /** Lifetime of a credit hold taken without `ttlMs`. Default 10 minutes. */
  defaultHoldTtlMs?: number;
  /** How long a call waits for a reachable server before `storage_unavailable`. Default 5000 ms. */
  serverSelectionTimeoutMS?: number;
}

export interface MongoStore extends Store {
  readonly kind: 'mongo';
  /** The store's own mongoose connection, for tests and operations. Writes through it bypass every rule of the store. */
  readonly connection: Connection;
}

const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5_000;

/** The URI without its password, for messages. */
function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * Connects to MongoDB (a connection of its own, not mongoose's global one), creates the
 * collections and indexes, and answers the `Store` over it. Reads and writes use majority concerns.
 * Throws `StoreError` (`storage_unavailable`) when the server cannot be reached or is not a
 * replica set.
 */
export async function openMongoStore(options: MongoStoreOptions): Promise<MongoStore> {
  const where = redact(options.uri);
  let connection: Connection | undefined;
  try {
    connection = mongoose.createConnection(options.uri, {
      ...(options.dbName === undefined ? {} : { dbName: options.dbName }),
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS,
      writeConcern: { w: 'majority' },
      readConcern: { level: 'majority' },
      // Fail fast instead of queueing calls while the server is away; indexes are built below.
      bufferCommands: false,
      autoIndex: false,
      autoCreate: false,
    });
    // Failures reach callers through their calls; without a listener an 'error' event would crash the process.
    connection.on('error', () => undefined);
    await connection.asPromise();
  } catch (error) {
    await connection?.close().catch(() => undefined);
    throw new StoreError('storage_unavailable', `cannot connect to MongoDB at ${where}: ${messageOf(error)}`, { cause: error });
  }
  return storeOver(connection, options, where);
}

/** Checks the server, creates collections and indexes, and builds the repositories over `connection`. */
async function storeOver(connection: Connection, options: MongoStoreOptions, where: string): Promise<MongoStore> {
  const now = options.now ?? Date.now;
  try {
    const hello = await connection.getClient().db('admin').command({ hello: 1 });
    if (typeof hello.setName !== 'string' && hello.msg !== 'isdbgrid') {
      throw new StoreError(
        'storage_unavailable',
        `MongoDB at ${where} is a standalone server; Nexus Flow needs a replica set for transactions (start mongod with --replSet rs0 and run rs.initiate() once; a single-member replica set is enough)`,
      );
    }

    const context: MongoContext = { connection, now, counters: counterModel(connection) };
    const accounts = accountRepositories(context);
    const keys = apiKeyRepositories(context);
    const flows = flowRepositories(context);
    const conversations = conversationRepositories(context);
    const plugins = pluginRepositories(context);
    const channelsAndApps = channelAndAppRepositories(context);
    const engine = engineStores(context);
    const credits = ledgerRepository(context, options.defaultHoldTtlMs === undefined ? {} : { defaultHoldTtlMs: options.defaultHoldTtlMs });

    const models: Syncable[] = [
      context.counters,
      ...accounts.models,
      ...keys.models,
      ...flows.models,
      ...conversations.models,
      ...plugins.models,
      ...channelsAndApps.models,
      ...engine.models,
      ...credits.models,
    ];
    await Promise.all(
      models.map(async (model) => {
        await model.createCollection();
        await model.syncIndexes();
      }),
    );

    return {
      kind: 'mongo',
      connection,
      users: guarded('users', accounts.users),
      workspaces: guarded('workspaces', accounts.workspaces),
      members: guarded('members', accounts.members),
      apiKeys: guarded('apiKeys', keys.apiKeys),
      flows: guarded('flows', flows.flows),
      versions: guarded('versions', flows.versions),
      deployments: guarded('deployments', flows.deployments),
      contacts: guarded('contacts', conversations.contacts),
      sessions: guarded('sessions', conversations.sessions),
      transcripts: guarded('transcripts', conversations.transcripts),
      traces: guarded('traces', conversations.traces),
      plugins: guarded('plugins', plugins.plugins),
      channels: guarded('channels', plugins.channels),
      channelMessages: guarded('channelMessages', channelsAndApps.channelMessages),
      apps: guarded('apps', channelsAndApps.apps),
      ledger: guarded('ledger', credits.ledger),
      history: guarded('history', engine.history),
      kv: guarded('kv', engine.kv),
      secrets: guarded('secrets', engine.secrets),
      async ping() {
        try {
          await connection.getClient().db('admin').command({ ping: 1 });
        } catch (error) {
          throw storeErrorOf(error, 'ping');
        }
      },
      async close() {
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw storeErrorOf(error, `opening the MongoDB store at ${where}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

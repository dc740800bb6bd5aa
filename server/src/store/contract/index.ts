import { describe } from 'vitest';
import { channelMessagesAndAppsContract } from './channel-messages-apps.js';
import { contactsContract } from './contacts-history-kv-secrets.js';
import { flowsContract } from './flows-versions-deployments.js';
import { ledgerModelContract } from './ledger-model.js';
import { ledgerContract } from './ledger.js';
import { pluginsContract } from './plugins-channels.js';
import { sessionsContract } from './sessions-transcripts-traces.js';
import type { OpenStore } from './types.js';
import { usersAndWorkspacesContract } from './users-workspaces.js';

export type { OpenStore } from './types.js';

/**
 * The contract every `Store` implementation passes (SQLite always, MongoDB when `MONGODB_URI` is
 * set). Call it at the top level of a test file. Each part opens a store of its own through `open`
 * and cleans it up afterwards; inside a part, tests share the store and keep apart by making their
 * own workspaces. The ledger parts call `sweepExpired`, which is global, so they never share a store
 * with each other's open holds in mind (see ledger.ts).
 */
export function runStoreContract(name: string, open: OpenStore): void {
  describe(`store contract: ${name}`, () => {
    usersAndWorkspacesContract(open);
    flowsContract(open);
    sessionsContract(open);
    contactsContract(open);
    pluginsContract(open);
    channelMessagesAndAppsContract(open);
    ledgerContract(open);
    ledgerModelContract(open);
  });
}

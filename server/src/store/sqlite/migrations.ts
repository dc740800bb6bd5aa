/** One step of the schema; applied once, in order, inside a `BEGIN IMMEDIATE` transaction. */
export interface Migration {
  version: number;
  name: string;
  /** SQL run with `exec`; never edited once released (add a new migration instead). */
  up: string;
}

/*
 * Conventions: STRICT tables (a wrong type is an error, not a silent conversion); JSON in TEXT
 * columns; times are epoch ms INTEGERs; every workspace-owned table leads its keys and indexes with
 * `workspace_id`, because every query filters on it. Ledger, history, kv and secrets have no
 * foreign key to `workspaces`: the engine ports take any workspace id and the ledger outlives flows.
 */
const INITIAL = `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE members (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
) STRICT;
CREATE INDEX members_by_user ON members (user_id);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
) STRICT;
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, created_at);

CREATE TABLE flows (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  document TEXT NOT NULL,
  revision INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, id)
) STRICT;
CREATE INDEX flows_by_created ON flows (workspace_id, created_at, id);

CREATE TABLE flow_versions (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  document TEXT NOT NULL,
  hash TEXT NOT NULL,
  note TEXT,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (workspace_id, flow_id, version),
  FOREIGN KEY (workspace_id, flow_id) REFERENCES flows (workspace_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  key TEXT NOT NULL,
  name TEXT NOT NULL,
  version_id TEXT NOT NULL REFERENCES flow_versions (id),
  publishable_key TEXT NOT NULL UNIQUE,
  history TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (workspace_id, key),
  FOREIGN KEY (workspace_id, flow_id) REFERENCES flows (workspace_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX deployments_by_flow ON deployments (workspace_id, flow_id);
CREATE INDEX deployments_by_version ON deployments (version_id);

CREATE TABLE contacts (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  external_id TEXT NOT NULL,
  name TEXT,
  vars TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  UNIQUE (workspace_id, channel, external_id)
) STRICT;
CREATE INDEX contacts_by_created ON contacts (workspace_id, first_seen_at, id);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  version_id TEXT NOT NULL,
  record TEXT,
  status TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (workspace_id, deployment_id, contact_id)
) STRICT;
CREATE INDEX sessions_by_created ON sessions (workspace_id, created_at, id);
CREATE INDEX sessions_running ON sessions (status) WHERE status = 'running';

CREATE TABLE transcripts (
  workspace_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  role TEXT NOT NULL,
  text TEXT NOT NULL,
  payload TEXT,
  key TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, session_id, seq),
  UNIQUE (workspace_id, key)
) STRICT;

CREATE TABLE traces (
  workspace_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, session_id, seq)
) STRICT;

CREATE TABLE plugins (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  manifest TEXT NOT NULL,
  code TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (workspace_id, name)
) STRICT;

CREATE TABLE channels (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  config TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX channels_by_workspace ON channels (workspace_id, created_at);

CREATE TABLE history_keys (
  workspace_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY (workspace_id, contact_id, key)
) STRICT;

CREATE TABLE history_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  role TEXT NOT NULL,
  content TEXT NOT NULL
) STRICT;
CREATE INDEX history_by_contact ON history_messages (workspace_id, contact_id, seq);

CREATE TABLE kv (
  workspace_id TEXT NOT NULL,
  plugin TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (workspace_id, plugin, key)
) STRICT;

CREATE TABLE secrets (
  workspace_id TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, name)
) STRICT;

-- The ledger. balance = sum(ledger_entries.amount); held = sum of open holds; the CHECKs are the
-- last line of defence behind the conditional UPDATEs (B-01: the balance never goes negative).
CREATE TABLE balances (
  workspace_id TEXT PRIMARY KEY,
  balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0 AND balance <= 9007199254740991),
  held INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0 AND held <= balance)
) STRICT;

CREATE TABLE ledger_entries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  workspace_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('purchase', 'usage', 'refund', 'bonus', 'adjustment')),
  amount INTEGER NOT NULL,
  balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
  key TEXT NOT NULL,
  meta TEXT,
  at INTEGER NOT NULL,
  UNIQUE (workspace_id, key)
) STRICT;
CREATE INDEX ledger_entries_by_workspace ON ledger_entries (workspace_id, seq);
CREATE INDEX ledger_entries_by_kind ON ledger_entries (workspace_id, kind, seq);
CREATE INDEX ledger_usage_by_time ON ledger_entries (workspace_id, at) WHERE kind = 'usage';

CREATE TABLE holds (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  key TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount >= 0),
  state TEXT NOT NULL CHECK (state IN ('open', 'settled', 'released', 'expired')),
  expires_at INTEGER NOT NULL,
  meta TEXT,
  -- The settle result, kept so a second settle answers the first (NULL until settled).
  charged INTEGER,
  released INTEGER,
  overage INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (workspace_id, key)
) STRICT;
CREATE INDEX holds_open_by_expiry ON holds (expires_at) WHERE state = 'open';
`;

/*
 * Channels reach people (issue 6): the durable inbox and sent-key table of channel messages,
 * operator takeovers of conversations, and the deployments of generated apps.
 */
const CHANNELS_AND_APPS = `
ALTER TABLE sessions ADD COLUMN handoff TEXT;

CREATE TABLE channel_messages (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  key TEXT NOT NULL,
  provider_id TEXT,
  contact TEXT NOT NULL,
  status TEXT NOT NULL,
  payload TEXT NOT NULL,
  error TEXT,
  provider_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (connection_id, direction, key)
) STRICT;
CREATE INDEX channel_messages_by_provider_id ON channel_messages (connection_id, provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX channel_messages_by_contact ON channel_messages (connection_id, contact, direction, created_at);
CREATE INDEX channel_messages_by_status ON channel_messages (direction, status, created_at);
CREATE INDEX channel_messages_by_time ON channel_messages (created_at);

CREATE TABLE apps (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  target TEXT NOT NULL CHECK (target IN ('local', 'platform')),
  status TEXT NOT NULL,
  live INTEGER NOT NULL DEFAULT 0 CHECK (live IN (0, 1)),
  url TEXT,
  files TEXT NOT NULL,
  detail TEXT NOT NULL,
  key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (workspace_id, name, version),
  UNIQUE (workspace_id, key)
) STRICT;
CREATE INDEX apps_by_workspace ON apps (workspace_id, created_at);
CREATE UNIQUE INDEX apps_one_live ON apps (workspace_id, name) WHERE live = 1;
`;

/** Fencing tokens: a turn's writes count only while its token is the session's latest. */
const SESSION_FENCE = `
ALTER TABLE sessions ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
`;

/** Inbox recovery reads one connection's unfinished entries. */
const INBOX_BY_CONNECTION = `
DROP INDEX channel_messages_by_status;
CREATE INDEX channel_messages_by_status ON channel_messages (connection_id, direction, status, created_at);
`;

/** Every migration, oldest first. Versions are 1, 2, 3 ... without gaps. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', up: INITIAL },
  { version: 2, name: 'channels-and-apps', up: CHANNELS_AND_APPS },
  { version: 3, name: 'session-fence', up: SESSION_FENCE },
  { version: 4, name: 'inbox-by-connection', up: INBOX_BY_CONNECTION },
];

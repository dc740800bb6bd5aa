export type { CreditHold, CreditLedger, HoldResult, LedgerEntry, LedgerEntryKind, SettleResult } from './credit-ledger.js';
export type { ChannelPort, ChannelStream, DeployRequest, DeployResult, DeployTarget, DeployTargetName, HistoryStore, KvStore, SecretStore } from './stores.js';

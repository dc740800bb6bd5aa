/**
 * A second process for the cross-process ledger test: opens the store file given as argv[2],
 * waits for the go file argv[3] to appear (so every process races at once), takes argv[5] holds of
 * 1 credit in workspace argv[4] under keys prefixed with argv[6], and prints how many succeeded as
 * JSON. Any error (an SQLITE_BUSY leaking as storage_unavailable included) exits non-zero.
 * Run with `--import tsx --import ./stub-nodes.mjs --conditions=source`.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteStore } from '../index.js';

const [file, goFile, workspaceId, countText, prefix] = process.argv.slice(2);
if (file === undefined || goFile === undefined || workspaceId === undefined || countText === undefined || prefix === undefined) {
  throw new Error('usage: hold-race <db file> <go file> <workspace> <count> <key prefix>');
}
const store = openSqliteStore({ file });
process.stdout.write('ready\n');
while (!existsSync(goFile)) await sleep(1);
let held = 0;
for (let i = 0; i < Number(countText); i += 1) {
  const result = await store.ledger.hold(workspaceId, `${prefix}-${i}`, 1);
  if (result.ok) held += 1;
}
await store.close();
process.stdout.write(`${JSON.stringify({ held })}\n`);

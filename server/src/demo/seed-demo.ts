import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFlow, loadPluginFromSource, type FlowDocument } from '@nexusflow/engine';
import type { AppContext } from '../app-context.js';
import { hashPassword } from '../auth/index.js';
import { StoreError } from '../store/errors.js';

/** The repository's examples folder (the same relative place from src/ and from dist/). */
export const EXAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
export const DEMO_EMAIL = 'demo@nexusflow.local';
/** Credits the demo workspace starts with (US$10 at 1 credit = US$0.001). */
export const DEMO_CREDITS = 10_000;

/**
 * First start only (no workspace exists yet): a demo user and workspace with credits, the example
 * plugin, and every example flow published and deployed under its id. The password is printed
 * once and never stored in plain text.
 */
export async function seedDemo(ctx: AppContext, print: (line: string) => void): Promise<boolean> {
  const { store, logger } = ctx;
  if ((await store.workspaces.listIds()).length > 0) return false;
  const password = randomBytes(9).toString('base64url');
  const user = await store.users.create({ email: DEMO_EMAIL, name: 'Demo', passwordHash: await hashPassword(password) }).catch((error: unknown) => {
    // Several processes started at once on an empty store: one of them seeds, the others go on.
    if (error instanceof StoreError && error.code === 'conflict') return undefined;
    throw error;
  });
  if (user === undefined) return false;
  const workspace = await store.workspaces.create({ name: 'Demo workspace', ownerId: user.id });
  await store.ledger.adjust(workspace.id, 'demo:welcome', 'bonus', DEMO_CREDITS, { note: 'demo workspace credits' });

  try {
    const acme = await loadPluginFromSource(path.join(EXAMPLES_DIR, 'plugins', 'acme'));
    await store.plugins.put(workspace.id, { name: acme.manifest.name, version: acme.manifest.version, manifest: acme.manifest, code: acme.code.code, codeHash: acme.code.codeHash });
    ctx.cluster.bus.announce({ type: 'plugins.changed', workspaceId: workspace.id });
  } catch (error) {
    logger.warn({ err: error }, 'the example plugin could not be built; flows that need it are skipped');
  }
  const registry = await ctx.host.registries.forWorkspace(workspace.id);

  const deployed: string[] = [];
  const files = (await readdir(path.join(EXAMPLES_DIR, 'flows')).catch(() => [])).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const doc = JSON.parse(await readFile(path.join(EXAMPLES_DIR, 'flows', file), 'utf8')) as FlowDocument;
    const compiled = compileFlow(doc, registry);
    if (!compiled.ok) {
      logger.warn({ file, issues: compiled.issues.slice(0, 3) }, 'example flow skipped: it does not validate');
      continue;
    }
    const flow = await store.flows.create(workspace.id, { id: doc.id, name: doc.name, document: doc });
    const version = await store.versions.publish(workspace.id, flow.id, { document: doc, hash: compiled.value.hash, note: 'example', createdBy: user.id });
    const deployment = await store.deployments.create(workspace.id, {
      flowId: flow.id,
      key: flow.id,
      name: doc.name,
      versionId: version.id,
      publishableKey: `pk_${randomBytes(18).toString('base64url')}`,
      by: user.id,
    });
    deployed.push(`${deployment.key} (widget key ${deployment.publishableKey})`);
  }

  print('');
  print('  Nexus Flow: first start, demo workspace created.');
  print(`  Sign in as ${DEMO_EMAIL} with password ${password}  (shown once; keep it)`);
  print(`  ${DEMO_CREDITS} demo credits; deployments: ${deployed.join(', ') || 'none'}`);
  const offline = ctx.llm.status().filter((s) => s.mode === 'offline-demo');
  if (offline.length > 0) print(`  LLM: offline demo model (no ${offline.map((s) => s.provider).join('/')} key set); replies say so.`);
  print('');
  return true;
}

import path from 'node:path';
import { SITE_NAME } from '@nexusflow/nodes';

/**
 * Where the local hosting target keeps generated apps, and the names it accepts. One folder per
 * version: `<dataDir>/apps/<workspaceId>/<name>/v<version>/`, so earlier versions stay on disk for
 * rollback and serving a version is reading one folder.
 */

/** A site name is a DNS label: the `core/deploy` node's own rule. */
export const APP_NAME = SITE_NAME;
/** Workspace ids are base64url (store/ids.ts); anything else never reaches the file system. */
const WORKSPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isAppName(name: string): boolean {
  return APP_NAME.test(name);
}

export function isWorkspaceId(workspaceId: string): boolean {
  return WORKSPACE_ID.test(workspaceId);
}

/** The folder of all versions of one app; throws on an id or name that could leave `apps/`. */
export function appFolder(dataDir: string, workspaceId: string, name: string): string {
  if (!isWorkspaceId(workspaceId)) throw new Error(`workspace id ${JSON.stringify(workspaceId)} cannot name a folder`);
  if (!isAppName(name)) throw new Error(`app name ${JSON.stringify(name)} cannot name a folder`);
  return path.join(dataDir, 'apps', workspaceId, name);
}

/** The folder one version's files are served from. */
export function versionFolder(dataDir: string, workspaceId: string, name: string, version: number): string {
  if (!Number.isSafeInteger(version) || version < 1) throw new Error(`version ${version} is not a version number`);
  return path.join(appFolder(dataDir, workspaceId, name), `v${version}`);
}

/** Where people open a locally hosted app (the live version answers). */
export function localAppUrl(publicUrl: string, workspaceId: string, name: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/apps/${encodeURIComponent(workspaceId)}/${name}/`;
}

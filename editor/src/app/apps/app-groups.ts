import type { AppDeployment } from '../../api/index.js';

/** One generated app: the version shown first (the live one, else the newest) and its other versions, newest first. */
export interface AppGroup {
  name: string;
  current: AppDeployment;
  earlier: AppDeployment[];
}

/** Groups deployments by app, apps in the order of their newest deployment (the server answers newest first). */
export function groupApps(deployments: readonly AppDeployment[]): AppGroup[] {
  const byName = new Map<string, AppDeployment[]>();
  for (const d of deployments) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
  return [...byName.entries()].map(([name, versions]) => {
    const sorted = [...versions].sort((a, b) => b.version - a.version);
    const current = sorted.find((d) => d.live) ?? (sorted[0] as AppDeployment);
    return { name, current, earlier: sorted.filter((d) => d !== current) };
  });
}

/** Statuses of a deployment still on its way up: not yet something to switch to. */
const IN_PROGRESS = new Set(['pending', 'uploading', 'starting']);

/** Whether "Make live" applies: a finished, working version that is not the one served now. */
export function canMakeLive(deployment: AppDeployment): boolean {
  return !deployment.live && deployment.status !== 'failed' && !IN_PROGRESS.has(deployment.status);
}

/** Why a deployment failed, from its target's `detail` (`reason`, else `error`), if it says. */
export function failureOf(deployment: AppDeployment): string | undefined {
  const { reason, error } = deployment.detail;
  for (const value of [reason, error]) {
    if (typeof value === 'string' && value !== '') return value;
    const message = (value as { message?: unknown } | null | undefined)?.message;
    if (typeof message === 'string' && message !== '') return message;
  }
  return deployment.status === 'failed' ? 'the hosting target gave no reason' : undefined;
}

export function totalBytes(files: readonly { bytes: number }[]): number {
  return files.reduce((sum, f) => sum + f.bytes, 0);
}

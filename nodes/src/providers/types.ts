import type { CapabilityContext } from '@nexusflow/engine';

/** Host side of one capability: a method name, its copied arguments and who calls. */
export type CapabilityHandler = (method: string, args: unknown[], context: CapabilityContext) => Promise<unknown>;

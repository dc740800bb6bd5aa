import { NexusError } from '@nexusflow/engine';

/** A string argument, or a clear error naming the call and the argument. */
export function stringArg(args: unknown[], index: number, call: string, name: string, maxLength = 1024): string {
  const value = args[index];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new NexusError('capability_failed', `${call} needs ${name} as a non-empty string of at most ${maxLength} characters`);
  }
  return value;
}

export function unknownMethod(capability: string, method: string): NexusError {
  return new NexusError('capability_failed', `${capability} has no method ${method.slice(0, 64)}`);
}

/** Methods `ctx` offers per capability namespace (DESIGN.md, Plugins); `http` stands for every `http:<host>`. */
export const CAPABILITY_METHODS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  llm: ['chat'],
  memory: ['history', 'append', 'clear'],
  billing: ['balance', 'check', 'estimate'],
  channel: ['send'],
  kv: ['get', 'set', 'delete'],
  deploy: ['publish'],
  secrets: ['get'],
  http: ['fetch'],
});

/** Extra namespace a worker offers only when the pool was created with `testHooks: true`. */
export const TEST_HOOK_METHODS: readonly string[] = ['abort', 'hang'];

/** True when a capability call names a method the capability has. */
export function isKnownMethod(capability: string, method: string): boolean {
  const namespace = capability.startsWith('http:') ? 'http' : capability;
  return Object.hasOwn(CAPABILITY_METHODS, namespace) && (CAPABILITY_METHODS[namespace] ?? []).includes(method);
}

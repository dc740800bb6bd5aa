// Registers a resolve hook that points `@nexusflow/nodes` at ./nodes-stub.ts (see that file for why).
import { register } from 'node:module';

const hooks = `
const stub = ${JSON.stringify(new URL('./nodes-stub.ts', import.meta.url).href)};
export async function resolve(specifier, context, next) {
  if (specifier === '@nexusflow/nodes') return next(stub, context);
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);

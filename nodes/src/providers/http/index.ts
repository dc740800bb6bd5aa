export { createHttpCapability, DEFAULT_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, MAX_REDIRECTS, MAX_RESPONSE_BYTES, MAX_TIMEOUT_MS } from './http-capability.js';
export type { HttpCapabilityOptions } from './http-capability.js';
export { HttpCapabilityError } from './egress-error.js';
export type { HttpErrorCode } from './egress-error.js';
export { checkEgress, httpTargetOf, normalizeAllowedHost } from './egress-policy.js';
export type { EgressPolicy, EgressTarget } from './egress-policy.js';
export { isPrivateAddress } from './private-address.js';
export { nodeHttpTransport } from './transport.js';
export type { HttpTransport, TransportRequest, TransportResponse } from './transport.js';

export { API_PREFIX, createApiClient, exportFileName } from './client.js';
export type { ApiClient, ApiClientOptions } from './client.js';
export { ApiError, errorMessage, isApiError } from './errors.js';
export { TOKEN_KEY, tokenClaims, tokenStore } from './token.js';
export * from './queries.js';
export * from './operator-queries.js';
export type * from './types.js';

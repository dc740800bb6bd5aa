/**
 * The auth library: password hashing, session tokens, API keys, roles and scopes, failure throttling.
 * Pure modules; the Express and Socket.IO wiring lives with the routes.
 */
export {
  hashPassword,
  verifyPassword,
  checkPasswordPolicy,
  SCRYPT_PARAMS,
  SCRYPT_LIMITS,
  PASSWORD_MIN_LENGTH,
  PASSWORD_MAX_LENGTH,
} from './passwords.js';
export {
  createTokenService,
  keysFromSecrets,
  DEFAULT_TOKEN_TTL_SECONDS,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  MIN_SECRET_BYTES,
  type TokenService,
  type TokenServiceOptions,
  type TokenKey,
  type TokenPurpose,
  type TokenClaimsInput,
  type VerifiedClaims,
  type VerifyResult,
  type TokenErrorCode,
} from './tokens.js';
export {
  generateApiKey,
  parseApiKey,
  hashApiKey,
  apiKeyMatches,
  looksLikeApiKey,
  API_KEY_MARKER,
  API_KEY_LENGTH,
  type GeneratedApiKey,
} from './api-keys.js';
export {
  roleAtLeast,
  scopeAllows,
  principalCan,
  ROLE_SCOPES,
  type Principal,
  type Requirement,
  type AuthzResult,
} from './roles.js';
export {
  createFailureThrottle,
  DEFAULT_THROTTLE_MAX_KEYS,
  type FailureThrottle,
  type FailureThrottleOptions,
  type ThrottleResult,
} from './failure-throttle.js';

export { createDeployCapability, DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES } from './deploy-capability.js';
export type { DeployCapabilityOptions } from './deploy-capability.js';
export { createMemoryDeployTarget } from './memory-deploy-target.js';
export type { MemoryDeployTarget, RecordedPublish } from './memory-deploy-target.js';
export { DEPLOY_TARGETS, MAX_PATH_CHARS, SITE_NAME, pathProblem, validatePublishRequest } from './validate-files.js';
export type { DeployFile, DeployLimits } from './validate-files.js';

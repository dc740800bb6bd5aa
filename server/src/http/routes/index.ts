import type { RouteSpec } from '../route-spec.js';
import { apiKeyRoutes } from './api-keys.js';
import { appRoutes } from './apps.js';
import { authRoutes } from './auth.js';
import { channelRoutes } from './channels.js';
import { creditRoutes } from './credits.js';
import { deploymentRoutes } from './deployments.js';
import { flowTransferRoutes } from './flow-transfer.js';
import { flowRoutes } from './flows.js';
import { handoffRoutes } from './handoff.js';
import { memberRoutes } from './members.js';
import { nodeTypeRoutes } from './node-types.js';
import { paymentWebhookRoutes } from './payments-webhook.js';
import { pluginRoutes } from './plugins.js';
import { providerRoutes } from './providers.js';
import { secretRoutes } from './secrets.js';
import { sessionRoutes } from './sessions.js';
import { versionRoutes } from './versions.js';
import { whatsappCloudWebhookRoutes } from './whatsapp-cloud-webhook.js';
import { workspaceRoutes } from './workspaces.js';

/**
 * Every REST route below `/api/v1`, one module per resource group. This one table drives the
 * Express wiring, the OpenAPI document and the tenancy test.
 */
export function apiRoutes(): RouteSpec[] {
  return [
    ...authRoutes,
    ...workspaceRoutes,
    ...memberRoutes,
    // Import before `/:flowId` routes of the same method, so "import" is never read as a flow id.
    ...flowTransferRoutes,
    ...flowRoutes,
    ...versionRoutes,
    ...deploymentRoutes,
    ...appRoutes,
    ...nodeTypeRoutes,
    ...pluginRoutes,
    ...sessionRoutes,
    ...handoffRoutes,
    ...channelRoutes,
    ...creditRoutes,
    ...paymentWebhookRoutes,
    ...whatsappCloudWebhookRoutes,
    ...apiKeyRoutes,
    ...secretRoutes,
    ...providerRoutes,
  ];
}

export { signPayment, SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS } from './payments-webhook.js';
export { palette, type PaletteEntry } from './node-types.js';

export { createWhatsAppCloudAdapter, isWhatsAppCloudAdapter, clientMessageIdOf, SERVICE_WINDOW_MS, type WhatsAppCloudAdapter, type WhatsAppCloudAdapterOptions } from './adapter.js';
export { checkWhatsAppCloudConfig, WHATSAPP_CLOUD_SECRET_FIELDS, DEFAULT_GRAPH_BASE_URL, DEFAULT_API_VERSION, type WhatsAppCloudConfig } from './config.js';
export { acceptWebhook, DEFAULT_RETENTION_MS, inboundRank, outboundRank, type WebhookOutcome, type WebhookReceipt } from './webhook.js';
export { signWebhook, signatureProblem, sameSecret, SIGNATURE_HEADER } from './signature.js';
export { parseWebhook, contentOf, type InboundEnvelope, type StatusUpdate } from './payload.js';
export { graphMessagesOf, type GraphMessage } from './outbound.js';

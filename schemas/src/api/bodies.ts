/**
 * JSON Schemas of the REST API's request bodies (`/api/v1`). The server validates bodies with
 * them, builds its OpenAPI document from them, and the editor's typed client uses the same.
 * Every schema is closed (`additionalProperties: false`), so a misspelt field is an error, not a no-op.
 */

const NAME = { type: 'string', minLength: 1, maxLength: 120 } as const;
const ROLE = { type: 'string', enum: ['owner', 'admin', 'editor', 'viewer'] } as const;
const SLUG = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'lowercase letters, digits and "-", e.g. "support-bot"' } as const;
const ID = { type: 'string', minLength: 1, maxLength: 64 } as const;
/** Whole credits, as the ledger accepts them (no strings, fractions, or anything beyond 2^53). */
const CREDITS = { type: 'integer', minimum: 1, maximum: 1_000_000_000_000 } as const;

/** WhatsApp Web (QR pairing) connection settings. */
const WHATSAPP_CONFIG = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ignoreGroups: { type: 'boolean', default: true, description: 'ignore messages in group chats' },
    ignoreOwn: { type: 'boolean', default: true, description: "ignore messages the account itself writes (the bot's own replies are always ignored)" },
  },
};

/** WhatsApp Business Cloud API connection settings (from Meta's app dashboard). */
const WHATSAPP_CLOUD_CONFIG = {
  type: 'object',
  additionalProperties: false,
  required: ['phoneNumberId', 'verifyToken', 'appSecret', 'accessToken'],
  properties: {
    phoneNumberId: { type: 'string', pattern: '^[0-9]{1,30}$', description: 'the phone number id (digits) from WhatsApp > API setup' },
    verifyToken: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,128}$', description: 'a token you choose; paste the same into the webhook settings' },
    appSecret: { type: 'string', minLength: 8, maxLength: 200, description: "the Meta app's App Secret (signs webhooks)" },
    accessToken: { type: 'string', minLength: 10, maxLength: 4000, description: 'a system user access token with whatsapp_business_messaging' },
    graphBaseUrl: { type: 'string', pattern: '^https?://[^\\s]+$', maxLength: 500, description: 'the Graph API address (default https://graph.facebook.com)' },
    apiVersion: { type: 'string', pattern: '^v[0-9]{1,3}\\.[0-9]{1,2}$', description: 'the Graph API version, e.g. v21.0' },
  },
};

export const API_BODY_SCHEMAS = {
  SignUp: {
    type: 'object',
    additionalProperties: false,
    required: ['email', 'password', 'name'],
    properties: {
      email: { type: 'string', pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', maxLength: 254 },
      password: { type: 'string', minLength: 8, maxLength: 256 },
      name: NAME,
      workspaceName: NAME,
    },
  },
  Login: {
    type: 'object',
    additionalProperties: false,
    required: ['email', 'password'],
    properties: { email: { type: 'string', maxLength: 254 }, password: { type: 'string', maxLength: 256 } },
  },
  WorkspaceCreate: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: NAME } },
  WorkspaceUpdate: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: NAME } },
  MemberAdd: {
    type: 'object',
    additionalProperties: false,
    required: ['email', 'role'],
    properties: { email: { type: 'string', maxLength: 254 }, role: ROLE },
  },
  MemberUpdate: { type: 'object', additionalProperties: false, required: ['role'], properties: { role: ROLE } },
  FlowCreate: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: NAME,
      document: { type: 'object', description: 'a nexusflow/flow@1 document; a blank flow with a trigger when absent' },
    },
  },
  FlowUpdate: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: NAME,
      document: { type: 'object', description: 'the whole nexusflow/flow@1 document' },
      revision: { type: 'integer', minimum: 0, description: 'the revision you read; a save from someone else in between answers 409' },
    },
  },
  FlowImport: { type: 'object', description: 'a flow document (nexusflow/flow@1); older formats are migrated' },
  Publish: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 500 } } },
  DeploymentCreate: {
    type: 'object',
    additionalProperties: false,
    required: ['flowId', 'key'],
    properties: { flowId: ID, key: SLUG, name: NAME, versionId: ID },
  },
  DeploymentPoint: { type: 'object', additionalProperties: false, required: ['versionId'], properties: { versionId: ID } },
  PluginUpload: {
    type: 'object',
    additionalProperties: false,
    required: ['manifest', 'code'],
    properties: {
      manifest: { type: 'object', description: 'the plugin.json of a built plugin' },
      code: { type: 'string', minLength: 1, maxLength: 5_000_000, description: 'the bundle (one CommonJS file) its manifest names as main' },
      enabled: { type: 'boolean', default: true },
    },
  },
  PluginUpdate: { type: 'object', additionalProperties: false, required: ['enabled'], properties: { enabled: { type: 'boolean' } } },
  TopUp: {
    type: 'object',
    additionalProperties: false,
    required: ['amount', 'idempotencyKey'],
    properties: {
      amount: CREDITS,
      idempotencyKey: { type: 'string', pattern: '^[A-Za-z0-9_:.-]{1,128}$', description: 'the same key applies the top-up once' },
      kind: { type: 'string', enum: ['purchase', 'bonus', 'refund', 'adjustment'], default: 'purchase' },
      note: { type: 'string', maxLength: 500 },
    },
  },
  PaymentEvent: {
    type: 'object',
    required: ['id', 'type', 'data'],
    properties: {
      id: { type: 'string', pattern: '^[A-Za-z0-9_:.-]{1,128}$' },
      type: { type: 'string', maxLength: 100 },
      data: {
        type: 'object',
        required: ['workspaceId', 'credits'],
        properties: { workspaceId: ID, credits: CREDITS, reference: { type: 'string', maxLength: 200 } },
      },
    },
  },
  ApiKeyCreate: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: NAME,
      scopes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: ['chat', 'read', 'write', 'admin'] }, default: ['chat'] },
      role: { ...ROLE, default: 'editor' },
    },
  },
  ChannelCreate: {
    type: 'object',
    additionalProperties: false,
    required: ['deploymentId', 'kind', 'name'],
    properties: {
      deploymentId: ID,
      kind: { type: 'string', enum: ['whatsapp', 'whatsapp-cloud'], description: 'whatsapp: WhatsApp Web paired by QR code; whatsapp-cloud: the WhatsApp Business Cloud API' },
      name: NAME,
      config: { type: 'object' },
    },
    allOf: [
      { if: { properties: { kind: { const: 'whatsapp' } } }, then: { properties: { config: WHATSAPP_CONFIG } } },
      { if: { properties: { kind: { const: 'whatsapp-cloud' } } }, then: { required: ['config'], properties: { config: WHATSAPP_CLOUD_CONFIG } } },
    ],
  },
  ChannelUpdate: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { name: NAME, config: { type: 'object', description: 'settings to change; secrets left out keep their value' } },
  },
  OperatorMessage: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: 4096 } } },
  SecretPut: { type: 'object', additionalProperties: false, required: ['value'], properties: { value: { type: 'string', minLength: 1, maxLength: 10_000 } } },
  ChatMessage: {
    type: 'object',
    additionalProperties: false,
    required: ['contactId', 'text'],
    properties: {
      contactId: { type: 'string', pattern: '^[A-Za-z0-9_-]{16,64}$', description: 'the anonymous contact id the widget generated (at least 16 random characters)' },
      text: { type: 'string', maxLength: 8000 },
      payload: {},
      clientMessageId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    },
  },
  ChatCompletion: {
    type: 'object',
    required: ['model', 'messages'],
    properties: {
      model: { type: 'string', minLength: 1, maxLength: 63, description: 'the deployment key' },
      messages: {
        type: 'array',
        minItems: 1,
        maxItems: 500,
        items: {
          type: 'object',
          required: ['role'],
          properties: { role: { type: 'string', enum: ['system', 'user', 'assistant', 'developer', 'tool'] }, content: {} },
        },
      },
      stream: { type: 'boolean' },
      user: { type: 'string', maxLength: 128, description: 'the end user: one conversation per user and deployment' },
      stream_options: { type: 'object' },
    },
  },
} as const;

export type ApiBodyName = keyof typeof API_BODY_SCHEMAS;

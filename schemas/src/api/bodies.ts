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

import { compileConfigValidator, type JsonSchema, type ValidationIssue } from '@nexusflow/schemas';
import { checkExpression } from '../expressions/index.js';
import type { NodeTypeInfo } from '../plugins/types.js';

/** Node types the engine runs itself; everything else is a plugin node. */
export const TRIGGER = 'core/trigger';
export const WAIT = 'core/wait';
export const BRANCH = 'core/branch';
export const END = 'core/end';

/** The port every node has, taken when its step fails. */
export const ERROR_PORT = 'error';

const PORT_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]{0,63}$';
const EMPTY_CONFIG: JsonSchema = { type: 'object', additionalProperties: false, properties: {} };

export interface BranchCondition {
  port: string;
  when: string;
}

export interface BranchConfig {
  conditions: BranchCondition[];
  otherwise?: string;
}

/** The port a branch takes when no condition holds. */
export const DEFAULT_OTHERWISE_PORT = 'else';

const BRANCH_CONFIG: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['conditions'],
  properties: {
    conditions: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['port', 'when'],
        properties: {
          port: { type: 'string', pattern: PORT_PATTERN },
          when: { type: 'string', minLength: 1, maxLength: 4000 },
        },
      },
    },
    otherwise: { type: 'string', pattern: PORT_PATTERN },
  },
};

function fixedPorts(ports: string[]): () => string[] {
  return () => ports;
}

function simpleType(type: string, ports: string[]): NodeTypeInfo {
  return { type, kind: 'native', ports: fixedPorts(ports), validateConfig: compileConfigValidator(EMPTY_CONFIG) };
}

/** Ports of a branch node: its condition ports in order, then the fallback port. */
export function branchPorts(config: Record<string, unknown>): string[] {
  const { conditions, otherwise } = config as Partial<BranchConfig>;
  const ports = Array.isArray(conditions) ? conditions.map((c) => c?.port).filter((p) => typeof p === 'string') : [];
  ports.push(typeof otherwise === 'string' ? otherwise : DEFAULT_OTHERWISE_PORT);
  return [...new Set(ports)];
}

const validateBranchShape = compileConfigValidator(BRANCH_CONFIG);

function validateBranch(config: unknown, pointer: string): ValidationIssue[] {
  const issues = validateBranchShape(config, pointer);
  if (issues.length > 0) return issues;
  const { conditions, otherwise = DEFAULT_OTHERWISE_PORT } = config as BranchConfig;
  const seen = new Set<string>();
  conditions.forEach((condition, index) => {
    const at = `${pointer}/conditions/${index}`;
    if (condition.port === ERROR_PORT) {
      issues.push({ code: 'reserved_port', pointer: `${at}/port`, message: 'port "error" is reserved for failures; pick another name' });
    } else if (seen.has(condition.port)) {
      issues.push({
        code: 'duplicate_port',
        pointer: `${at}/port`,
        message: `port "${condition.port}" is already used by an earlier condition; each condition needs its own port`,
      });
    }
    seen.add(condition.port);
    const problem = checkExpression(condition.when);
    if (problem !== undefined) issues.push({ code: 'expression_invalid', pointer: `${at}/when`, message: problem });
  });
  if (otherwise === ERROR_PORT) {
    issues.push({ code: 'reserved_port', pointer: `${pointer}/otherwise`, message: 'port "error" is reserved for failures; pick another name' });
  }
  return issues;
}

/** The engine-native node types, keyed by type id. */
export function nativeNodeTypes(): Map<string, NodeTypeInfo> {
  const branch: NodeTypeInfo = {
    type: BRANCH,
    kind: 'native',
    ports: branchPorts,
    validateConfig: validateBranch,
    rawConfigKeys: ['conditions'],
  };
  return new Map(
    [simpleType(TRIGGER, ['out']), simpleType(WAIT, ['out']), simpleType(END, []), branch].map((info) => [info.type, info]),
  );
}

import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { API_BODY_SCHEMAS, formatSchemaErrors, type ApiBodyName } from '@nexusflow/schemas';
import { ApiError } from './api-error.js';

let ajv: Ajv2020 | undefined;
const validators = new Map<ApiBodyName, ValidateFunction>();

function validatorFor(name: ApiBodyName): ValidateFunction {
  let validate = validators.get(name);
  if (validate === undefined) {
    ajv ??= new Ajv2020({ allErrors: true, strict: false, verbose: true });
    validate = ajv.compile(API_BODY_SCHEMAS[name]);
    validators.set(name, validate);
  }
  return validate;
}

/** Checks a request body against its API schema; 400 with one detail (pointer, sentence) per problem. */
export function validateBody(name: ApiBodyName, body: unknown): unknown {
  if (body === undefined) throw new ApiError(400, 'invalid_request', `this endpoint needs a JSON body (${name}); send it with Content-Type: application/json`);
  const validate = validatorFor(name);
  if (validate(body)) return body;
  const issues = formatSchemaErrors(validate.errors ?? [], '', 'invalid_request');
  throw new ApiError(
    400,
    'invalid_request',
    `the request body has ${issues.length} problem${issues.length === 1 ? '' : 's'}: ${issues.map((i) => `${i.pointer || '/'} ${i.message}`).join('; ')}`,
    issues.map((i) => ({ pointer: i.pointer, message: i.message })),
  );
}

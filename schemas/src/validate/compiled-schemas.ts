import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import flowSchema from '../json/flow.schema.json' with { type: 'json' };
import pluginSchema from '../json/plugin.schema.json' with { type: 'json' };
import type { FlowDocument } from '../types/flow.js';
import type { PluginManifest } from '../types/plugin.js';
import { MESSAGES_KEYWORD } from './format-errors.js';

let ajv: Ajv2020 | undefined;
let flowValidator: ValidateFunction<FlowDocument> | undefined;
let pluginValidator: ValidateFunction<PluginManifest> | undefined;

/** Our own schemas are trusted; `verbose` gives formatSchemaErrors the failing values. */
function documentAjv(): Ajv2020 {
  if (ajv === undefined) {
    ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
    ajv.addKeyword({ keyword: MESSAGES_KEYWORD, schemaType: 'object' });
  }
  return ajv;
}

/** The `nexusflow/flow@1` schema, compiled on first use. */
export function flowSchemaValidator(): ValidateFunction<FlowDocument> {
  flowValidator ??= documentAjv().compile<FlowDocument>(flowSchema);
  return flowValidator;
}

/** The `plugin.json` schema, compiled on first use. */
export function pluginSchemaValidator(): ValidateFunction<PluginManifest> {
  pluginValidator ??= documentAjv().compile<PluginManifest>(pluginSchema);
  return pluginValidator;
}

import { readFileSync } from 'node:fs';
import type { Validated, ValidationIssue } from '@nexusflow/engine';
import { formatSchemaErrors, MESSAGES_KEYWORD } from '@nexusflow/schemas';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import defaultRatesJson from './default-rates.json' with { type: 'json' };
import ratesSchema from './rates.schema.json' with { type: 'json' };

/** Credits per 1K tokens of one model; fractional, finite, at least 0 (at most 1e6). */
export interface Rate {
  readonly inputPer1K: number;
  readonly outputPer1K: number;
}

/** A checked rates configuration (see `rates.schema.json`). */
export interface RateTable {
  /** Platform fee in percent, 0..100, added to every cost before rounding. */
  readonly feePercent: number;
  /** Rate of models missing from `models`; absent means such models are refused. */
  readonly defaultRate: Rate | undefined;
  /** Rates by `<provider>/<model>`; a Map, so a key such as `__proto__` is just a key. */
  readonly models: ReadonlyMap<string, Rate>;
  /** Where the table came from (a path or a label), for messages. */
  readonly source: string;
}

let validator: ValidateFunction | undefined;

function validateRates(): ValidateFunction {
  if (validator === undefined) {
    // Own instance: the schema is trusted, and verbose/allErrors are what formatSchemaErrors needs.
    const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
    ajv.addKeyword({ keyword: MESSAGES_KEYWORD, schemaType: 'object' });
    validator = ajv.compile(ratesSchema);
  }
  return validator;
}

/**
 * Checks a parsed rates configuration against `rates.schema.json`. Expected bad input is a
 * result: every issue carries a JSON pointer to the field (`/models/openai~1gpt-4o/inputPer1K`)
 * and a sentence. Numbers must be finite: NaN and Infinity are refused (ajv's strictNumbers).
 *
 * @example
 * const loaded = loadRates(JSON.parse(text), 'rates.json');
 * if (!loaded.ok) console.error(formatRateIssues(loaded.issues, 'rates.json'));
 */
export function loadRates(json: unknown, source: string): Validated<RateTable> {
  const validate = validateRates();
  if (!validate(json)) return { ok: false, issues: formatSchemaErrors(validate.errors ?? [], '', 'invalid_rates') };
  const doc = json as { feePercent: number; defaultRate?: Rate; models: Record<string, Rate> };
  const models = new Map<string, Rate>();
  for (const [key, rate] of Object.entries(doc.models)) models.set(key, copyRate(rate));
  return {
    ok: true,
    value: {
      feePercent: doc.feePercent,
      defaultRate: doc.defaultRate === undefined ? undefined : copyRate(doc.defaultRate),
      models,
      source,
    },
  };
}

/**
 * Reads and checks a rates file for startup. Throws an Error whose message names the file and
 * every bad field, one per line, so a server can print it and exit non-zero (B-08).
 */
export function loadRatesFile(path: string): RateTable {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the rates file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const loaded = loadRates(json, path);
  if (!loaded.ok) throw new Error(formatRateIssues(loaded.issues, path));
  return loaded.value;
}

/** The rates shipped in `default-rates.json` (1 credit = US$0.001; see the file's description). */
export function loadDefaultRates(): RateTable {
  const loaded = loadRates(defaultRatesJson, 'default-rates.json');
  if (!loaded.ok) throw new Error(formatRateIssues(loaded.issues, 'default-rates.json'));
  return loaded.value;
}

/** One message for all issues: `rates file <source> is invalid:` then `  <pointer>: <message>` lines. */
export function formatRateIssues(issues: readonly ValidationIssue[], source: string): string {
  const lines = issues.map((issue) => `  ${issue.pointer === '' ? '(root)' : issue.pointer}: ${issue.message}`);
  return [`rates file ${source} is invalid; fix these fields:`, ...lines].join('\n');
}

/**
 * The rate of `provider/model`: the exact entry first, then `defaultRate`. `undefined` means the
 * model is refused; say so with `noRateMessage`.
 */
export function rateFor(table: RateTable, provider: string, model: string): Rate | undefined {
  return table.models.get(`${provider}/${model}`) ?? table.defaultRate;
}

/** The sentence for a model with no rate. */
export function noRateMessage(provider: string, model: string): string {
  return `no rate for ${provider.slice(0, 64)}/${model.slice(0, 192)}; add it to the rates file or set defaultRate`;
}

function copyRate(rate: Rate): Rate {
  return Object.freeze({ inputPer1K: rate.inputPer1K, outputPer1K: rate.outputPer1K });
}

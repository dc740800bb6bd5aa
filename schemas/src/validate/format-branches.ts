import type { ErrorObject } from 'ajv/dist/2020.js';
import type { ValidationIssue } from '../types/issues.js';
import { describeTypes, typesOf } from './describe.js';
import { isWithinPointer } from './json-pointer.js';

/** An ajv error and the issues it became (a folded `anyOf` keeps its summary here). */
export interface FoldedError {
  error: ErrorObject;
  issues: ValidationIssue[];
}

interface SummaryContext {
  basePointer: string;
  code: string;
  /** The schema's own message for this keyword, when it has one. */
  custom: string | undefined;
}

export function isBranchKeyword(keyword: string): boolean {
  return keyword === 'anyOf' || keyword === 'oneOf';
}

/**
 * Removes from `folded` the errors of the branches of a failed `anyOf`/`oneOf` and groups them by
 * branch. ajv reports them right before the keyword's own error, about the same value or values
 * below it. Errors inside a `$ref` carry the referenced schema's path, so they count as branch
 * errors too unless they come from a sibling keyword of the same schema object.
 */
export function takeBranches(error: ErrorObject, folded: FoldedError[]): FoldedError[][] {
  const own = error.schemaPath;
  const parent = own.slice(0, own.lastIndexOf('/'));
  const taken: FoldedError[] = [];
  for (let last = folded.at(-1); last !== undefined; last = folded.at(-1)) {
    const path = last.error.schemaPath;
    const inBranch = path.startsWith(`${own}/`) || !path.startsWith(`${parent}/`);
    if (!inBranch || !isWithinPointer(last.error.instancePath, error.instancePath)) break;
    taken.unshift(folded.pop() as FoldedError);
  }
  const groups = new Map<string, FoldedError[]>();
  for (const entry of taken) {
    const key = branchKey(entry.error.schemaPath, own);
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  return [...groups.values()];
}

function branchKey(schemaPath: string, own: string): string {
  if (schemaPath.startsWith(`${own}/`)) {
    const end = schemaPath.indexOf('/', own.length + 1);
    return end === -1 ? schemaPath : schemaPath.slice(0, end);
  }
  return schemaPath.split('/').slice(0, 3).join('/');
}

/**
 * One issue for a failed `anyOf`/`oneOf` instead of ajv's echo of every branch: the schema's own
 * message if it has one; else the errors of the only branch whose type fits the value; else the
 * types that would fit; else the branches side by side.
 */
export function summarizeBranches(error: ErrorObject, branches: FoldedError[][], context: SummaryContext): ValidationIssue[] {
  const pointer = context.basePointer + error.instancePath;
  const issue = (message: string): ValidationIssue[] => [{ code: context.code, pointer, message }];
  const passing = (error.params as { passingSchemas?: unknown }).passingSchemas;
  if (Array.isArray(passing)) {
    return issue(context.custom ?? `matches more than one allowed form (${passing.join(' and ')}); change it so it matches exactly one`);
  }
  if (context.custom !== undefined) return issue(context.custom);

  const typeErrorOf = (branch: FoldedError[]) =>
    branch.find((entry) => entry.error.keyword === 'type' && entry.error.instancePath === error.instancePath);
  const fitting = branches.filter((branch) => typeErrorOf(branch) === undefined);
  if (fitting.length === 1) return (fitting[0] as FoldedError[]).flatMap((entry) => entry.issues);
  if (fitting.length === 0 && branches.length > 0) {
    return issue(`must be ${describeTypes(branches.flatMap((branch) => typesOf(typeErrorOf(branch)?.error.params.type)))}`);
  }
  const missing = fitting.map((branch) =>
    branch.every((entry) => entry.error.keyword === 'required' && entry.error.instancePath === error.instancePath)
      ? branch.map((entry) => `"${String(entry.error.params.missingProperty)}"`).join(' and ')
      : undefined,
  );
  if (missing.length > 0 && missing.every((m) => m !== undefined)) {
    return issue(`missing required property: ${missing.join(' or ')}`);
  }
  const forms = fitting.map((branch) =>
    branch
      .flatMap((entry) => entry.issues)
      .map((inner) => (inner.pointer === pointer ? inner.message : `${inner.pointer.slice(pointer.length + 1)}: ${inner.message}`))
      .join(', '),
  );
  return issue(forms.length === 0 ? 'does not match any allowed form' : `does not match any allowed form: ${forms.join('; or ')}`);
}

/** Parsed command line: positional words and repeatable `--name value` options. */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

const BOOLEAN_FLAGS = new Set(['trace', 'help', 'json']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i] as string;
    if (!word.startsWith('--')) {
      parsed.positionals.push(word);
      continue;
    }
    const name = word.slice(2);
    if (BOOLEAN_FLAGS.has(name)) {
      parsed.flags.add(name);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
    parsed.options.set(name, [...(parsed.options.get(name) ?? []), value]);
    i += 1;
  }
  return parsed;
}

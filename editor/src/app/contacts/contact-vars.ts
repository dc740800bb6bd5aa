/** A variable's value in one short line: strings as they are, anything else as JSON, cut at `max` characters. */
export function shortValue(value: unknown, max = 40): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The first `shown` variables as `name: value` pairs, and how many more there are. */
export function varsPreview(vars: Record<string, unknown>, shown = 3): { pairs: { name: string; value: string }[]; more: number } {
  const names = Object.keys(vars).sort();
  return { pairs: names.slice(0, shown).map((name) => ({ name, value: shortValue(vars[name]) })), more: Math.max(0, names.length - shown) };
}

/** Who a contact is in one line: their name, else their id on the channel. */
export function contactLabel(contact: { name?: string; externalId: string }): string {
  return contact.name !== undefined && contact.name.trim() !== '' ? contact.name : contact.externalId;
}

/** Text made safe to place inside HTML elements and attribute values (every markup character as an entity). */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

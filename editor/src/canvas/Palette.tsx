import { memo, useMemo, useState, type DragEvent } from 'react';
import type { PaletteEntry } from '../api/types.js';
import { colourOf, NodeIcon } from './icons.js';
import { NODE_DRAG_TYPE, TRIGGER_TYPE } from './types.js';

export interface PaletteProps {
  entries: readonly PaletteEntry[];
  /** Adds a node of this type where the person can see it (click or Enter instead of dragging). */
  onAdd: (type: string) => void;
}

/** Entries grouped by category, each group sorted by title; the flow category first. */
export function groupEntries(entries: readonly PaletteEntry[], search: string): { category: string; entries: PaletteEntry[] }[] {
  const words = search.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const matches = (e: PaletteEntry) => {
    const haystack = `${e.title} ${e.type} ${e.description} ${e.category}`.toLowerCase();
    return words.every((w) => haystack.includes(w));
  };
  const groups = new Map<string, PaletteEntry[]>();
  for (const entry of entries) {
    if (entry.type === TRIGGER_TYPE || !matches(entry)) continue;
    groups.set(entry.category, [...(groups.get(entry.category) ?? []), entry]);
  }
  return [...groups.entries()]
    .map(([category, list]) => ({ category, entries: list.sort((a, b) => a.title.localeCompare(b.title)) }))
    .sort((a, b) => (a.category === 'flow' ? -1 : b.category === 'flow' ? 1 : a.category.localeCompare(b.category)));
}

function onDragStart(event: DragEvent<HTMLElement>, type: string): void {
  event.dataTransfer.setData(NODE_DRAG_TYPE, type);
  event.dataTransfer.setData('text/plain', type);
  event.dataTransfer.effectAllowed = 'copy';
}

/**
 * Every node type the server reports, grouped by category and searchable. Drag one onto the
 * canvas, or click it to add it in view. The trigger is not listed: a flow has exactly one.
 */
function PaletteImpl({ entries, onAdd }: PaletteProps) {
  const [search, setSearch] = useState('');
  const groups = useMemo(() => groupEntries(entries, search), [entries, search]);
  return (
    <nav className="palette" aria-label="Node types" data-testid="palette">
      <input type="search" className="palette-search" placeholder="Search nodes…" aria-label="Search node types" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="palette-search" />
      {groups.length === 0 && <p className="palette-empty">No node type matches “{search}”.</p>}
      {groups.map((group) => (
        <section key={group.category} className="palette-group" aria-label={group.category}>
          <h3>{group.category}</h3>
          <ul>
            {group.entries.map((entry) => (
              <li key={entry.type}>
                <button
                  type="button"
                  className="palette-item"
                  draggable
                  onDragStart={(e) => onDragStart(e, entry.type)}
                  onClick={() => onAdd(entry.type)}
                  title={`${entry.description}\n\n${entry.type} — drag onto the canvas, or click to add`}
                  data-testid={`palette-item-${entry.type}`}
                  style={{ '--node-accent': colourOf(entry.category) } as React.CSSProperties}
                >
                  <span className="palette-icon" aria-hidden="true">
                    <NodeIcon icon={entry.icon} size={16} />
                  </span>
                  <span className="palette-text">
                    <span className="palette-title">{entry.title}</span>
                    <span className="palette-description">{entry.description}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}

export const Palette = memo(PaletteImpl);

import { describe, expect, it } from 'vitest';
import type { PaletteEntry } from '../api/types.js';
import { groupEntries } from './Palette.js';
import { shortcutOf } from './shortcuts.js';

const key = (k: string, mods: { ctrl?: boolean; meta?: boolean; shift?: boolean; alt?: boolean } = {}) => ({
  key: k,
  ctrlKey: mods.ctrl ?? false,
  metaKey: mods.meta ?? false,
  shiftKey: mods.shift ?? false,
  altKey: mods.alt ?? false,
});

describe('shortcutOf', () => {
  it('maps the editing shortcuts with Ctrl or ⌘', () => {
    expect(shortcutOf(key('z', { ctrl: true }), null)).toBe('undo');
    expect(shortcutOf(key('Z', { meta: true, shift: true }), null)).toBe('redo');
    expect(shortcutOf(key('y', { ctrl: true }), null)).toBe('redo');
    expect(shortcutOf(key('c', { meta: true }), null)).toBe('copy');
    expect(shortcutOf(key('v', { ctrl: true }), null)).toBe('paste');
    expect(shortcutOf(key('d', { ctrl: true }), null)).toBe('duplicate');
    expect(shortcutOf(key('f'), null)).toBe('fitView');
    expect(shortcutOf(key('L', { shift: true }), null)).toBe('layout');
    expect(shortcutOf(key('q', { ctrl: true }), null)).toBeUndefined();
  });

  it('does nothing while the person types in a field', () => {
    const input = document.createElement('input');
    expect(shortcutOf(key('z', { ctrl: true }), input)).toBeUndefined();
    expect(shortcutOf(key('f'), document.createElement('textarea'))).toBeUndefined();
  });
});

describe('groupEntries', () => {
  const entry = (type: string, title: string, category: string, description = ''): PaletteEntry => ({
    type,
    plugin: type.split('/')[0]!,
    kind: 'plugin',
    title,
    description,
    category,
    icon: 'box',
    ports: ['out'],
    dynamicPorts: false,
    config: {},
    capabilities: [],
  });
  const entries = [entry('core/trigger', 'Trigger', 'flow'), entry('core/wait', 'Wait', 'flow'), entry('core/llm', 'LLM', 'ai', 'Calls a model'), entry('core/reply', 'Reply', 'messaging', 'Sends text')];

  it('groups by category with flow first, and never lists the trigger', () => {
    expect(groupEntries(entries, '').map((g) => [g.category, g.entries.map((e) => e.type)])).toEqual([
      ['flow', ['core/wait']],
      ['ai', ['core/llm']],
      ['messaging', ['core/reply']],
    ]);
  });

  it('searches titles, types and descriptions, every word', () => {
    expect(groupEntries(entries, 'model').flatMap((g) => g.entries.map((e) => e.type))).toEqual(['core/llm']);
    expect(groupEntries(entries, 'sends text').flatMap((g) => g.entries.map((e) => e.type))).toEqual(['core/reply']);
    expect(groupEntries(entries, 'nothing like this')).toEqual([]);
  });
});

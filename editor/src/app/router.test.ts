import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute, sectionOf, type Route, type WorkspaceRoute } from './router.js';

describe('router: the pages that reach people', () => {
  it('parses and links contacts, one contact, channels and apps, and puts them in their nav sections', () => {
    const routes: WorkspaceRoute[] = [
      { name: 'contacts', ws: 'w1' },
      { name: 'contact', ws: 'w1', contactId: 'c/1' },
      { name: 'channels', ws: 'w1' },
      { name: 'apps', ws: 'w1' },
    ];
    for (const route of routes) expect(parseRoute(hrefOf(route))).toEqual(route);
    expect(hrefOf({ name: 'contact', ws: 'w1', contactId: 'c/1' })).toBe('#/w/w1/contacts/c%2F1');
    expect(routes.map(sectionOf)).toEqual(['contacts', 'contacts', 'channels', 'apps']);
  });

  it('has no deeper pages under channels and apps', () => {
    const notFound = (hash: string): Route => parseRoute(hash);
    expect(notFound('#/w/w1/channels/c1').name).toBe('notFound');
    expect(notFound('#/w/w1/apps/a1').name).toBe('notFound');
  });
});

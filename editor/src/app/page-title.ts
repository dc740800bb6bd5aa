import type { Route } from './router.js';

const TITLES: Record<Route['name'], string> = {
  home: 'Nexus Flow',
  signin: 'Sign in',
  signup: 'Create your account',
  flows: 'Flows',
  flow: 'Flow',
  sessions: 'Conversations',
  session: 'Conversation',
  contacts: 'Contacts',
  contact: 'Contact',
  channels: 'Channels',
  apps: 'Apps',
  usage: 'Usage',
  plugins: 'Plugins',
  notFound: 'Page not found',
};

/** The document title of a route (by its name), so tabs and history entries say where they are. */
export function pageTitle(name: Route['name']): string {
  return name === 'home' ? TITLES.home : `${TITLES[name]} · Nexus Flow`;
}

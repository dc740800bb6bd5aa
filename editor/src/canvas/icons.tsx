import {
  Bot,
  Box,
  Braces,
  Brain,
  Calendar,
  Clock,
  Code,
  Database,
  File,
  Filter,
  GitBranch,
  Globe,
  Hash,
  History,
  Hourglass,
  Image,
  Key,
  Link,
  Mail,
  MessageCircle,
  MessageSquare,
  Play,
  Puzzle,
  Repeat,
  Rocket,
  Search,
  Send,
  Smile,
  Sparkles,
  Square,
  Tag,
  User,
  Variable,
  Wallet,
  Webhook,
  Zap,
  type LucideIcon,
} from 'lucide-react';

/**
 * Manifests name icons the lucide way (`message-circle`). The common ones are bundled; any other
 * name draws a generic plugin icon, so a plugin's unusual icon never breaks a node.
 */
const ICONS: Record<string, LucideIcon> = {
  bot: Bot,
  box: Box,
  braces: Braces,
  brain: Brain,
  calendar: Calendar,
  clock: Clock,
  code: Code,
  database: Database,
  file: File,
  filter: Filter,
  'git-branch': GitBranch,
  globe: Globe,
  hash: Hash,
  history: History,
  hourglass: Hourglass,
  image: Image,
  key: Key,
  link: Link,
  mail: Mail,
  'message-circle': MessageCircle,
  'message-square': MessageSquare,
  play: Play,
  repeat: Repeat,
  rocket: Rocket,
  search: Search,
  send: Send,
  smile: Smile,
  sparkles: Sparkles,
  square: Square,
  tag: Tag,
  user: User,
  variable: Variable,
  wallet: Wallet,
  webhook: Webhook,
  zap: Zap,
};

export function NodeIcon({ icon, size = 14 }: { icon: string; size?: number }) {
  const Icon = ICONS[icon] ?? Puzzle;
  return <Icon size={size} aria-hidden="true" focusable="false" />;
}

/** A stable accent colour per category, for node headers, the palette and the minimap. */
const CATEGORY_COLOURS: Record<string, string> = {
  flow: '#6ea8fe',
  messaging: '#4cd4a0',
  ai: '#c08cff',
  data: '#ffb86b',
  billing: '#ffd866',
  integrations: '#5fd4e8',
  analysis: '#ff8fab',
};

export function colourOf(category: string): string {
  const known = CATEGORY_COLOURS[category];
  if (known !== undefined) return known;
  let hash = 0;
  for (const char of category) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 60% 65%)`;
}

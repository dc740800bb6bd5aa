import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['schemas', 'engine', 'nodes', 'server', 'editor', 'editor/e2e', 'examples'],
  },
});

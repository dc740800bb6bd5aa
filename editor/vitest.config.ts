import react from '@vitejs/plugin-react';
import { defineProject } from 'vitest/config';

/** Component tests run in jsdom; the end-to-end tests (e2e/) drive real Chromium against the real server. */
export default defineProject({
  plugins: [react()],
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
  test: {
    name: 'editor',
    environment: 'jsdom',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    testTimeout: 20_000,
  },
});

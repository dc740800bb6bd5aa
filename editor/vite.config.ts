import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The server the dev server forwards the API and Socket.IO to (`npm run dev` in editor/). */
const server = process.env.NEXUSFLOW_SERVER ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  // Workspace packages resolve to their TypeScript sources, as in tests.
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
  server: {
    proxy: {
      '/api': server,
      '/v1': server,
      '/healthz': server,
      '/socket.io': { target: server, ws: true },
    },
  },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 2000 },
});

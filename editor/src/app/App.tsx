import { useState } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { ApiProvider, createApiClient, createQueryClient, type ApiClient } from '../api/index.js';
import { Shell } from './Shell.js';

export interface AppProps {
  /** The API client to use; one for the page's own origin by default. */
  api?: ApiClient;
}

/** The editor's root: one API client and one query cache for the life of the page. */
export function App({ api }: AppProps) {
  const [client] = useState(() => api ?? createApiClient());
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <ApiProvider client={client}>
        <Shell />
      </ApiProvider>
    </QueryClientProvider>
  );
}

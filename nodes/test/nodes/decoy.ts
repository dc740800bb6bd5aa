import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Decoy {
  port: number;
  /** `127.0.0.1:<port>` */
  host: string;
  url: (path?: string) => string;
  hits: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close: () => Promise<void>;
}

/** A loopback HTTP server counting every request it receives; `handler` answers (200 "decoy" by default). */
export async function startDecoy(handler?: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<Decoy> {
  const hits: Decoy['hits'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (handler !== undefined) handler(req, res, body);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('decoy');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host: `127.0.0.1:${port}`,
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

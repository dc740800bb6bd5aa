import type { Response } from 'express';

/** A server-sent events writer; writes stop once the client has gone. */
export function openSse(res: Response) {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  let open = true;
  res.on('close', () => {
    open = false;
  });
  return {
    get open() {
      return open;
    },
    /** A named event with a JSON payload. */
    event(name: string, data: unknown): void {
      if (open) res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    /** An unnamed `data:` line (the OpenAI stream format). */
    data(text: string): void {
      if (open) res.write(`data: ${text}\n\n`);
    },
    end(): void {
      if (open) res.end();
      open = false;
    },
  };
}

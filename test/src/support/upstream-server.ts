import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
  json(): unknown;
}

export type UpstreamHandler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface UpstreamServer {
  url: string;
  requests: RecordedRequest[];
  /** Replaces the handler, e.g. to make a healthy upstream start failing. */
  setHandler(handler: UpstreamHandler): void;
  close(): Promise<void>;
}

/** A real tenant backend on 127.0.0.1 that records every request it receives. */
export async function startUpstream(handler: UpstreamHandler = answerVerbs([{ verb: 'say', text: 'hello' }])): Promise<UpstreamServer> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: request.method ?? 'GET',
        path: (request.url ?? '/').split('?')[0]!,
        url: new URL(request.url ?? '/', 'http://127.0.0.1'),
        headers: request.headers,
        body,
        json: () => JSON.parse(body),
      };
      requests.push(recorded);
      Promise.resolve(current(recorded, response)).catch(() => response.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHandler: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function answerVerbs(verbs: unknown, status = 200, contentType = 'application/json'): UpstreamHandler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': contentType });
    response.end(typeof verbs === 'string' ? verbs : JSON.stringify(verbs));
  };
}

import type { Socket } from 'node:net';

/**
 * Requests Node's HTTP parser cannot read (a URL or headers over its 16 KB limit, broken framing) never
 * reach Koa. Answer them like every other invalid input — 400 with the JSON error format — instead of
 * Node's bare 400/431, then close the connection.
 */
export function answerUnparsableRequest(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const problem =
    error.code === 'HPE_HEADER_OVERFLOW' ? 'the URL and headers are larger than the server accepts' : 'is not a valid HTTP request';
  const body = JSON.stringify({ error: 'invalid request', details: [{ field: '(request)', problem }] });
  socket.end(
    `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

import { request } from 'node:http';

/** A finished HTTP exchange: status, headers and the body as text. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * Sends one request over loopback. `chunks` streams the body in pieces (chunked encoding, no
 * Content-Length); a server that answers before the whole body is sent still yields its answer.
 */
export function httpRequest(url: string, options: { method?: string; body?: string | Buffer; chunks?: readonly Buffer[]; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8').on('data', (text: string) => { body += text; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    // The server may close the connection after answering 413 while the body is still going out.
    req.on('error', (err) => { if (!answered) reject(err); });
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else req.end(options.body);
  });
}

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

// One HTTP exchange with a schema registry over node:http(s), so an https:// registry can be
// verified against the CA the converter names (Node's fetch takes no CA of its own). Resolves with
// the status and body text; rejects when no answer comes (refused, timed out, TLS failed).

export interface RegistryHttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Trusted CA certificates (PEM) for https://; unset: Node's default roots. */
  ca?: readonly string[];
  timeoutMs: number;
}

export function registryHttp(options: RegistryHttpRequest): Promise<{ status: number; text: string }> {
  const url = new URL(options.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: options.method,
        headers: {
          ...options.headers,
          ...(options.body !== undefined && { 'content-length': String(Buffer.byteLength(options.body)) }),
        },
        ...(url.protocol === 'https:' && options.ca && { ca: [...options.ca] }),
        timeout: options.timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', reject);
    request.end(options.body);
  });
}

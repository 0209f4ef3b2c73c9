// Raw HTTP for tests: requests sent with the path exactly as written (fetch would normalise "..", "%2e%2e").
import http from 'node:http';

export interface RawResponse { status: number; type: string; body: string; headers: http.IncomingHttpHeaders }

/** A GET of `p` on `base`'s host, path untouched. */
export function rawGet(base: string, p: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    http.get({ host: u.hostname, port: u.port, path: p, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body, headers: res.headers }));
    }).on('error', reject);
  });
}

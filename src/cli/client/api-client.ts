// The REST API as the client commands call it: one base URL, an optional Bearer token, problems read into CliErrors.
import { CliError, type Problem } from './cli-error';
import { EXIT, exitOfStatus } from './exit-codes';

/** Query parameters: a repeated one is an array; undefined ones are left out. */
export type Query = Readonly<Record<string, string | number | readonly string[] | undefined>>;

const USER_AGENT = 'heater-cli';

/** Reads a template id `ns/name` with an optional `@ref`; returns null when it is not one. */
export function parseTemplateRef(raw: string): { id: string; ref: string | null } | null {
  const at = raw.indexOf('@');
  const id = at < 0 ? raw : raw.slice(0, at);
  const ref = at < 0 ? null : raw.slice(at + 1);
  if (!/^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/i.test(id) || ref === '') return null;
  return { id, ref };
}

/** A client of one Heater server. */
export class ApiClient {
  readonly baseUrl: string;

  constructor(baseUrl: string, private readonly token: string | null) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** The absolute URL of an API path (`/templates/acme/web`) with its query. */
  url(apiPath: string, query: Query = {}): string {
    const u = new URL(`${this.baseUrl}/api/v1${apiPath}`);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(one));
    }
    return u.toString();
  }

  /**
   * The JSON body of a request. With `onUpload`, the request body is streamed in 64 KiB pieces and
   * `onUpload(sent, total)` is called as each is taken. Throws CliError: the server's problem, or a
   * failure to reach it.
   */
  async json<T>(method: string, apiPath: string, opts: { query?: Query; body?: unknown; onUpload?: (sent: number, total: number) => void } = {}): Promise<T> {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const res = await this.send(method, apiPath, opts.query, payload && opts.onUpload ? counted(payload, opts.onUpload) : payload, 'application/json');
    const text = await this.body(res, (r) => r.text());
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`${this.baseUrl} answered ${method} ${apiPath} with something that is not JSON; is it a Heater server?`, EXIT.failed);
    }
  }

  /** The body of a GET as text, asking for `accept`. Throws CliError. */
  async text(apiPath: string, query: Query, accept: string): Promise<string> {
    return this.body(await this.send('GET', apiPath, query, undefined, accept), (r) => r.text());
  }

  /** The body of a GET as bytes. Throws CliError. */
  async bytes(apiPath: string): Promise<Buffer> {
    return Buffer.from(await this.body(await this.send('GET', apiPath, {}, undefined, '*/*'), (r) => r.arrayBuffer()));
  }

  /** A request answered without a body (204). Throws CliError. */
  async noContent(method: string, apiPath: string): Promise<void> {
    await this.body(await this.send(method, apiPath, {}, undefined, 'application/json'), (r) => r.arrayBuffer());
  }

  /** Reads an answer's body; a connection lost on the way is a CliError (exit 1). */
  private async body<T>(res: Response, read: (r: Response) => Promise<T>): Promise<T> {
    try {
      return await read(res);
    } catch (e) {
      throw new CliError(`the answer of ${this.baseUrl} was cut short: ${reasonOf(e)}`, EXIT.failed);
    }
  }

  private async send(method: string, apiPath: string, query: Query | undefined, body: Buffer | CountedBody | undefined, accept: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept, 'User-Agent': USER_AGENT };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      const init: RequestInit & { duplex?: 'half' } = Buffer.isBuffer(body) ? { body: new Uint8Array(body) }
        // a stream of known length: sent with Content-Length, not chunked (fetch needs duplex for a stream body)
        : body ? { body: body.stream, duplex: 'half', headers: { ...headers, 'Content-Length': String(body.length) } } : {};
      res = await fetch(this.url(apiPath, query), { method, headers, ...init });
    } catch (e) {
      throw new CliError(`cannot reach ${this.baseUrl}: ${reasonOf(e)}`, EXIT.failed);
    }
    if (res.ok) return res;
    throw await problemError(res);
  }
}

/** A request body streamed with its length known. */
interface CountedBody { readonly stream: ReadableStream<Uint8Array>; readonly length: number }

const UPLOAD_PIECE = 64 * 1024;

/** `payload` as a stream that calls `onUpload(sent, total)` as fetch takes each piece. */
function counted(payload: Buffer, onUpload: (sent: number, total: number) => void): CountedBody {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= payload.length) { controller.close(); return; }
      const piece = payload.subarray(sent, sent + UPLOAD_PIECE);
      sent += piece.length;
      controller.enqueue(piece);
      onUpload(sent, payload.length);
    },
  });
  return { stream, length: payload.length };
}

/** Why a fetch failed, in a few words (undici puts the system error in `cause`). */
function reasonOf(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return e instanceof Error ? e.message : String(e);
}

/** The CliError of an error answer: its problem document's detail, or its status line. */
async function problemError(res: Response): Promise<CliError> {
  const text = await res.text().catch(() => '');
  let problem: Problem = { status: res.status, detail: `${res.status} ${res.statusText}`.trim() };
  if ((res.headers.get('content-type') ?? '').startsWith('application/problem+json')) {
    try {
      const doc = JSON.parse(text) as Record<string, unknown>;
      problem = { ...doc, status: res.status, detail: typeof doc.detail === 'string' ? doc.detail : problem.detail };
    } catch { /* a body that is not JSON: the status line says it */ }
  }
  return new CliError(problem.detail, exitOfStatus(res.status), problem);
}

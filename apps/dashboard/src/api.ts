/** The dashboard's only way to the server: the public HTTP API, with the key held in sessionStorage. */

const KEY_ITEM = 'dashboard.apiKey';

export type Role = 'analyst' | 'auditor' | 'admin';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY_ITEM),
  role: (): Role | null => sessionStorage.getItem(`${KEY_ITEM}.role`) as Role | null,
  save(key: string, role: Role): void {
    sessionStorage.setItem(KEY_ITEM, key);
    sessionStorage.setItem(`${KEY_ITEM}.role`, role);
  },
  /** Signing out forgets everything this tab kept: the key, its role, the rows last listed. */
  clear(): void {
    sessionStorage.clear();
  },
};

function headers(key = session.key()): HeadersInit {
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function failure(response: Response): Promise<ApiError> {
  let code = 'HTTP_' + response.status;
  let detail = response.statusText;
  try {
    const body = (await response.json()) as { code?: string; detail?: string };
    code = body.code ?? code;
    detail = body.detail ?? detail;
  } catch {
    // Not problem+json: the status says enough.
  }
  return new ApiError(response.status, code, detail);
}

/** The query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** GETs JSON; a 503 VIEW_NOT_READY is asked again after its Retry-After, a few times. */
export async function get<T>(path: string, key?: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(path, { headers: headers(key) });
    if (response.ok) return (await response.json()) as T;
    const error = await failure(response);
    if (response.status === 503 && attempt < 10) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)));
      continue;
    }
    throw error;
  }
}

/**
 * Finds the key's role with calls only some roles may make. The warranty archive list answers
 * analyst, auditor and admin keys (and 403 to a service key); a ticket's history answers auditors
 * and admins; the SLA compliance view answers analysts and admins.
 */
export async function signIn(key: string): Promise<Role> {
  await get('/v1/views/warranty-archive?limit=1', key);
  const allowed = async (path: string) =>
    get(path, key).then(
      () => true,
      (error: unknown) => (error instanceof ApiError && error.status === 403 ? false : Promise.reject(error)),
    );
  const analyst = await allowed('/v1/views/sla-compliance?groupBy=month&from=2000-01-01&to=2000-01-02');
  if (!analyst) return 'auditor';
  // An admin may read any ticket's history; a missing ticket is a 404, not a 403.
  const auditor = await get('/v1/tickets/00000000-0000-4000-8000-000000000000/history', key).then(
    () => true,
    (error: unknown) => (error instanceof ApiError && error.status !== 403 && error.status !== 401 ? true : false),
  );
  return auditor ? 'admin' : 'analyst';
}

/** Downloads a view's own CSV (format=csv), fetched with the key, saved as a file. */
export async function downloadCsv(path: string, params: Record<string, string | number | undefined>, name: string): Promise<void> {
  const response = await fetch(path + query({ ...params, format: 'csv' }), { headers: headers() });
  if (!response.ok) throw await failure(response);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${name}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface ServerEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

/**
 * Reads a text/event-stream with fetch(), so the key travels in the Authorization header (an
 * EventSource cannot send headers, and a key in the URL would end up in logs and history).
 * Connects again after the server's `retry` delay when the stream ends, until `signal` aborts.
 */
export async function followEvents(path: string, onEvent: (event: ServerEvent) => void, onState: (state: 'open' | 'closed' | 'error', detail?: string) => void, signal: AbortSignal): Promise<void> {
  let retryMs = 3000;
  while (!signal.aborted) {
    try {
      const response = await fetch(path, { headers: { ...headers(), accept: 'text/event-stream' }, signal, cache: 'no-store' });
      if (!response.ok || !response.body) {
        const error = await failure(response);
        onState('error', `${error.status} ${error.message}`);
        if (response.status === 401 || response.status === 403) return;
      } else {
        onState('open');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let id: string | undefined;
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'event') event = text;
              else if (field === 'data') data.push(text);
              else if (field === 'id') id = text;
              else if (field === 'retry' && /^\d+$/.test(text)) retryMs = Number(text);
            }
            if (data.length > 0) onEvent({ event, id, data: data.join('\n') });
          }
        }
        onState('closed');
      }
    } catch (error) {
      if (signal.aborted) return;
      onState('error', (error as Error).message);
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

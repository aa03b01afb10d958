/**
 * A client of the dashboard's internal API over real HTTP (fetch), the way its pages use it: the
 * session cookie kept between calls, the CSRF token sent on every state-changing request.
 */
import { ACCOUNT_A } from './server.js';

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of many shapes, checked by each test
}

export interface DashboardClient {
  cookie: string | undefined;
  csrf: string | undefined;
  call(method: string, path: string, body?: unknown, options?: { csrf?: boolean }): Promise<ApiAnswer>;
  signIn(account?: { accessKeyId: string; secretAccessKey: string }): Promise<ApiAnswer>;
}

export function dashboardClient(server: { url: string }): DashboardClient {
  const client: DashboardClient = {
    cookie: undefined,
    csrf: undefined,
    async call(method, path, body, options = {}) {
      const headers: Record<string, string> = {};
      if (client.cookie) headers.cookie = client.cookie;
      if (body !== undefined) headers['content-type'] = 'application/json';
      if ((options.csrf ?? true) && client.csrf && method !== 'GET') headers['x-s3batch-csrf'] = client.csrf;
      const res = await fetch(`${server.url}/_s3batch/api/${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const setCookie = res.headers.get('set-cookie');
      if (setCookie) client.cookie = /Max-Age=0/.test(setCookie) ? undefined : setCookie.split(';')[0];
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (a download): the text itself
      }
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async signIn(account = ACCOUNT_A) {
      const answer = await client.call('POST', 'session', { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey });
      if (answer.status === 200) client.csrf = answer.body.csrfToken;
      return answer;
    },
  };
  return client;
}

// tRPC (and the REST file routes) over plain HTTP with the admin bearer token of a suite's platform: how suites
// register the data a scenario starts from, the way an integrating system would.
import type { RunningPlatform } from './platform.ts';

export type AdminApi = {
  query<T>(path: string, input: unknown): Promise<T>;
  mutate<T>(path: string, input: unknown): Promise<T>;
  /** POSTs a file body (CSV) to a REST route such as `/api/base/import/people?community=demo`. */
  postFile<T>(pathAndQuery: string, body: string, contentType?: string): Promise<T>;
};

export function adminApi(platform: RunningPlatform): AdminApi {
  const auth = { authorization: `Bearer ${platform.adminToken}` };
  const call = async <T>(path: string, input: unknown, method: 'GET' | 'POST'): Promise<T> => {
    const url = new URL(`/api/trpc/${path}`, platform.apiUrl);
    if (method === 'GET') url.searchParams.set('input', JSON.stringify(input));
    const res = await fetch(url, {
      method,
      headers: { ...auth, 'content-type': 'application/json' },
      body: method === 'POST' ? JSON.stringify(input) : undefined,
    });
    const body = (await res.json()) as { result?: { data: T }; error?: unknown };
    if (body.error) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
    return body.result!.data;
  };
  return {
    query: (p, i) => call(p, i, 'GET'),
    mutate: (p, i) => call(p, i, 'POST'),
    postFile: async <T>(pathAndQuery: string, body: string, contentType = 'text/csv') => {
      const res = await fetch(new URL(pathAndQuery, platform.apiUrl), {
        method: 'POST',
        headers: { ...auth, 'content-type': contentType },
        body,
      });
      const json = (await res.json()) as T & { error?: unknown };
      if (!res.ok || json.error) throw new Error(`${pathAndQuery}: HTTP ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
  };
}

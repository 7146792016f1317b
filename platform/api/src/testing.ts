// A tRPC client over Fastify's inject for the API's own test suites: signs demo accounts in and calls procedures
// as one of them (or as the CLI with the admin bearer token).
import { DEMO_PASSWORD } from '@shequ/core';
import type { FastifyInstance } from 'fastify';

export function apiTestClient(app: () => FastifyInstance, adminToken?: string) {
  const sessions: Record<string, string> = {};
  return {
    /** Signs the given demo accounts in; their sessions are kept for `send`. */
    async login(...who: string[]) {
      for (const w of who) {
        const res = await app().inject({
          method: 'POST',
          url: '/api/trpc/auth.login',
          payload: { identifier: w, password: DEMO_PASSWORD },
        });
        const session = res.cookies.find((c) => c.name === 'shequ_session');
        if (!session) throw new Error(`${w} could not sign in: ${res.body}`);
        sessions[w] = session.value;
      }
    },
    /** Calls a procedure as `who` (`cli` = the admin bearer token); answers the raw response. */
    send(who: string, path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') {
      const auth =
        who === 'cli'
          ? { headers: { authorization: `Bearer ${adminToken}` } }
          : { cookies: { shequ_session: sessions[who] } };
      return kind === 'query'
        ? app().inject({ url: `/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, ...auth })
        : app().inject({ method: 'POST', url: `/api/trpc/${path}`, payload: input as object, ...auth });
    },
  };
}

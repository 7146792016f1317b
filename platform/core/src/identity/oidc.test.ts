import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type Database, oidcFlows, users } from '@shequ/db';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { FieldCrypto } from '../crypto/field-crypto.ts';
import { parseKeyring } from '../crypto/keyring.ts';
import { AppError } from '../errors.ts';
import { MemoryChannel } from '../messaging/channel.ts';
import { seedDemo } from '../tenancy/seed.ts';
import { AuthService } from './auth-service.ts';
import { OidcLogin } from './oidc.ts';
import { findUserByUsername } from './users-repo.ts';

/** oidc-provider ships no type declarations (and @types/oidc-provider is not installed): load it untyped. */
type ProviderCtor = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => { callback(): (req: IncomingMessage, res: ServerResponse) => void };
const oidcProviderModule = 'oidc-provider';
const loadProvider = async (): Promise<ProviderCtor> => (await import(oidcProviderModule)).default;

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));

/** A browser stand-in: fetch with redirect: 'manual' and a cookie jar that ignores paths (one host only). */
class Browser {
  readonly jar = new Map<string, string>();

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    assert.equal(new URL(url).hostname, '127.0.0.1', `refusing to leave 127.0.0.1: ${url}`);
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eqAt = pair.indexOf('=');
      const name = pair.slice(0, eqAt).trim();
      const value = pair.slice(eqAt + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && new Date(a.split('=')[1]).getTime() < Date.now());
      if (!value || expired) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects until `stop(url)` says a location is ours, or a page (non-redirect) is reached. */
  async follow(start: string, stop: (url: URL) => boolean): Promise<{ url: string; res?: Response }> {
    let url = start;
    for (let i = 0; i < 20; i++) {
      if (stop(new URL(url))) return { url };
      const res = await this.request(url);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { url, res };
      await res.body?.cancel();
      url = new URL(location, url).toString();
    }
    throw new Error('too many redirects');
  }
}

const formAction = (html: string, pageUrl: string) => {
  const m = /<form[^>]*action="([^"]+)"/.exec(html);
  assert.ok(m, `no form on the page: ${html.slice(0, 300)}`);
  return new URL(m[1].replace(/&amp;/g, '&'), pageUrl).toString();
};

describe('unified identity (OIDC) sign-in', () => {
  let database: Database;
  let auth: AuthService;
  let oidc: OidcLogin;
  let server: Server;
  let issuer: string;
  const redirectUri = 'http://127.0.0.1:1/api/auth/oidc/callback';
  const clientId = 'shequ-test';
  const clientSecret = randomBytes(24).toString('base64url');

  before(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const Provider = await loadProvider();
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      findAccount: (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: () => ({ sub, name: '浙里办用户', phone_number: '13800000001', phone_number_verified: true }),
      }),
      claims: { openid: ['sub'], profile: ['name'], phone: ['phone_number', 'phone_number_verified'] },
      pkce: { required: () => true },
      features: { devInteractions: { enabled: true } },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
    });
    server.on('request', provider.callback());

    database = await createTestDatabase('pglite');
    const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
    await seedDemo(database.db, crypto);
    auth = new AuthService({
      database,
      crypto,
      channel: new MemoryChannel(),
      log: pino({ level: 'silent' }),
      sessionTtlHours: 1,
    });
    oidc = new OidcLogin(database, { issuer, clientId, clientSecret, redirectUri }, crypto, auth);
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await database?.close();
  });

  /** Runs the browser part against the dev interactions and returns the redirect back to our callback. */
  async function signInAtProvider(authorizationUrl: string, sub: string): Promise<URL> {
    const browser = new Browser();
    const ours = (u: URL) => u.href.startsWith(redirectUri);
    let step = await browser.follow(authorizationUrl, ours);
    for (let i = 0; i < 4 && step.res; i++) {
      const html = await step.res.text();
      const action = formAction(html, step.url);
      const body = html.includes('name="prompt" value="login"')
        ? new URLSearchParams({ prompt: 'login', login: sub, password: 'any-password' })
        : new URLSearchParams({ prompt: 'consent' });
      const posted = await browser.request(action, { method: 'POST', body });
      const location = posted.headers.get('location');
      assert.ok(location, `the provider did not redirect after ${body.get('prompt')}: ${posted.status}`);
      await posted.body?.cancel();
      step = await browser.follow(new URL(location, action).toString(), ours);
    }
    assert.ok(!step.res, 'never came back to the redirect URI');
    return new URL(step.url);
  }

  test('a verified phone links the provider account to the seeded resident and opens a session', async () => {
    const authorizationUrl = await oidc.start('/app/services?tab=1');
    const u = new URL(authorizationUrl);
    assert.equal(u.origin, issuer);
    assert.equal(u.searchParams.get('scope'), 'openid profile phone');
    assert.equal(u.searchParams.get('code_challenge_method'), 'S256');

    const callback = await signInAtProvider(authorizationUrl, 'zlb-0001');
    assert.ok(callback.searchParams.get('code'));
    assert.ok(callback.searchParams.get('state'));

    const result = await oidc.finish(callback, { ip: '127.0.0.1' });
    assert.ok(result.token);
    assert.ok(result.expiresAt > new Date());
    assert.equal(result.returnTo, '/app/services?tab=1');
    const p = await auth.principal(result.token);
    assert.equal(p?.displayName, '王秀英');

    const resident = await findUserByUsername(database.db, 'resident');
    assert.equal(resident?.oidcIssuer, issuer);
    assert.equal(resident?.oidcSubject, 'zlb-0001');
    assert.equal(p?.userId, resident?.id);

    // The same callback again: the state was consumed, so it is refused.
    await assert.rejects(oidc.finish(callback, {}), (e) => code(e) === 'UNAUTHENTICATED');
  });

  test('a returning account is found by (issuer, sub) without a second user row', async () => {
    const before = (await database.db.select({ id: users.id }).from(users)).length;
    const callback = await signInAtProvider(await oidc.start('/app'), 'zlb-0001');
    const result = await oidc.finish(callback, {});
    assert.equal((await auth.principal(result.token))?.displayName, '王秀英');
    assert.equal((await database.db.select({ id: users.id }).from(users)).length, before);
  });

  test('an unknown state is UNAUTHENTICATED', async () => {
    await assert.rejects(
      oidc.finish(new URL(`${redirectUri}?code=x&state=never-issued`), {}),
      (e) => code(e) === 'UNAUTHENTICATED',
    );
  });

  test('returnTo must be a same-site path, else /app', async () => {
    for (const bad of ['//evil.example', 'https://evil.example/', '/\\evil.example', 'app']) {
      const url = await oidc.start(bad);
      const state = new URL(url).searchParams.get('state');
      assert.ok(state);
      const [flow] = await database.db.select().from(oidcFlows).where(eq(oidcFlows.state, state));
      assert.equal(flow?.returnTo, '/app', bad);
    }
  });

  test('a second account whose phone is already linked elsewhere is refused, not merged', async () => {
    const callback = await signInAtProvider(await oidc.start('/app'), 'zlb-other');
    await assert.rejects(oidc.finish(callback, {}), (e) => code(e) === 'CONFLICT');
    assert.equal(
      (await database.db.select().from(users).where(eq(users.oidcSubject, 'zlb-other'))).length,
      0,
      'no user was created',
    );
  });
});

import { type Database, oidcFlows, users } from '@shequ/db';
import { and, eq, isNull, lt } from 'drizzle-orm';
import * as client from 'openid-client';
import type { Config } from '../config.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import { type AuthService, phoneRe, type RequestMeta } from './auth-service.ts';
import { findUserByPhoneIndex, type UserRow } from './users-repo.ts';

export type OidcConfig = NonNullable<Config['oidc']>;

export interface OidcLoginResult {
  token: string;
  expiresAt: Date;
  returnTo: string;
}

const FLOW_TTL_MS = 10 * 60 * 1000;
const SCOPE = 'openid profile phone';
const DEFAULT_RETURN_TO = '/app';

const oidcFailed = (cause?: unknown) =>
  new AppError('UNAUTHENTICATED', {
    zh: '统一身份认证登录失败，请重新登录',
    en: 'Unified identity sign-in failed; please sign in again',
    cause,
  });

/** A same-site path only: starts with one `/`, no `//` or `/\` (protocol-relative), no control characters. */
export function safeReturnTo(returnTo: string | undefined | null): string {
  if (typeof returnTo !== 'string' || returnTo.length > 2000) return DEFAULT_RETURN_TO;
  if (!returnTo.startsWith('/') || returnTo.startsWith('//') || returnTo.startsWith('/\\')) return DEFAULT_RETURN_TO;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(returnTo)) return DEFAULT_RETURN_TO;
  return returnTo;
}

/** Mainland mobile numbers as 11 digits: accepts `+86 138-0000-0001` style E.164 claims. */
function normalisePhone(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  let p = raw.replace(/[\s-]/g, '');
  if (p.startsWith('+86')) p = p.slice(3);
  else if (p.startsWith('0086')) p = p.slice(4);
  return phoneRe.test(p) ? p : undefined;
}

function isLocalHttp(issuer: URL): boolean {
  return issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
}

/**
 * OpenID Connect relying party for the provincial unified identity provider (authorization code + PKCE + nonce).
 * Flows (state, verifier, nonce) live in identity.oidc_flows for 10 minutes and are consumed once.
 */
export class OidcLogin {
  readonly #database: Database;
  readonly #cfg: OidcConfig;
  readonly #crypto: FieldCrypto;
  readonly #auth: AuthService;
  readonly #now: () => Date;
  #discovered?: Promise<client.Configuration>;

  constructor(database: Database, cfg: OidcConfig, crypto: FieldCrypto, auth: AuthService, now?: () => Date) {
    this.#database = database;
    this.#cfg = cfg;
    this.#crypto = crypto;
    this.#auth = auth;
    this.#now = now ?? (() => new Date());
  }

  /** Discovers the provider once; a failed discovery is retried on the next call. */
  #configuration(): Promise<client.Configuration> {
    if (!this.#discovered) {
      const issuer = new URL(this.#cfg.issuer);
      this.#discovered = client
        .discovery(
          issuer,
          this.#cfg.clientId,
          undefined,
          client.ClientSecretBasic(this.#cfg.clientSecret),
          isLocalHttp(issuer) ? { execute: [client.allowInsecureRequests] } : undefined,
        )
        .catch((err: unknown) => {
          this.#discovered = undefined;
          throw err;
        });
    }
    return this.#discovered;
  }

  /** Records a new flow and returns the provider's authorization URL to redirect the browser to. */
  async start(returnTo: string): Promise<string> {
    const config = await this.#configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const now = this.#now();
    const { db } = this.#database;
    await db.delete(oidcFlows).where(lt(oidcFlows.expiresAt, now));
    await db.insert(oidcFlows).values({
      state,
      codeVerifier,
      nonce,
      returnTo: safeReturnTo(returnTo),
      expiresAt: new Date(now.getTime() + FLOW_TTL_MS),
    });
    return client
      .buildAuthorizationUrl(config, {
        redirect_uri: this.#cfg.redirectUri,
        scope: SCOPE,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      .toString();
  }

  /** Completes the flow from the callback URL: consumes the state, exchanges the code, maps the user, opens a session. */
  async finish(callbackUrl: URL, meta: RequestMeta = {}): Promise<OidcLoginResult> {
    const state = callbackUrl.searchParams.get('state');
    if (!state) throw oidcFailed();
    const [flow] = await this.#database.db.delete(oidcFlows).where(eq(oidcFlows.state, state)).returning();
    if (!flow || flow.expiresAt <= this.#now()) {
      throw new AppError('UNAUTHENTICATED', {
        zh: '登录请求已失效或已使用，请重新登录',
        en: 'The sign-in request has expired or was already used; please sign in again',
      });
    }
    const config = await this.#configuration();
    // The redirect_uri sent to the token endpoint must equal the registered one, whatever host the callback came in on.
    const current = new URL(this.#cfg.redirectUri);
    current.search = callbackUrl.search;
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new Error('no ID token');
      let userinfo: Record<string, unknown> = {};
      if (tokens.access_token && config.serverMetadata().userinfo_endpoint) {
        userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      }
      claims = { ...userinfo, ...idClaims };
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw oidcFailed(err);
    }
    const user = await this.#userFor(claims);
    const session = await this.#auth.sessionFor(user.id, 'oidc', meta);
    return { token: session.token, expiresAt: session.expiresAt, returnTo: safeReturnTo(flow.returnTo) };
  }

  /** Same (issuer, sub) → that user; else a verified phone matching an unlinked user → link; else a new resident. */
  async #userFor(claims: Record<string, unknown>): Promise<UserRow> {
    const issuer = String(claims.iss);
    const subject = String(claims.sub);
    const { db } = this.#database;
    const bySubject = async () => {
      const [u] = await db
        .select()
        .from(users)
        .where(and(eq(users.oidcIssuer, issuer), eq(users.oidcSubject, subject)));
      return u;
    };
    const known = await bySubject();
    if (known) return known;

    const phone = claims.phone_number_verified === true ? normalisePhone(claims.phone_number) : undefined;
    const phoneIndex = phone ? this.#crypto.blindIndex('phone', phone) : undefined;
    if (phoneIndex) {
      const byPhone = await findUserByPhoneIndex(db, phoneIndex);
      if (byPhone) {
        if (byPhone.oidcSubject !== null) {
          throw new AppError('CONFLICT', {
            zh: '该手机号已绑定其他统一身份账号，请联系社区管理员',
            en: 'This phone number is already linked to another unified identity account; contact your community administrator',
          });
        }
        const [linked] = await db
          .update(users)
          .set({ oidcIssuer: issuer, oidcSubject: subject })
          .where(and(eq(users.id, byPhone.id), isNull(users.oidcSubject)))
          .returning();
        if (linked) return linked;
        const raced = await bySubject();
        if (raced) return raced;
        throw oidcFailed();
      }
    }

    const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 100) : '居民';
    const [created] = await db
      .insert(users)
      .values({
        displayName: name,
        phoneCipher: phone ? this.#crypto.encrypt(phone, 'users.phone') : null,
        phoneIndex: phoneIndex ?? null,
        passwordHash: null,
        oidcIssuer: issuer,
        oidcSubject: subject,
      })
      .onConflictDoNothing()
      .returning();
    if (created) return created;
    const raced = await bySubject();
    if (raced) return raced;
    throw oidcFailed();
  }
}

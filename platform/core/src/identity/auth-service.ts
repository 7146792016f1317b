import { createHash, randomBytes, randomInt } from 'node:crypto';
import { type Database, type DataScope, loginAttempts, oneTimeCodes, sessions, users } from '@shequ/db';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import type { Logger } from 'pino';
import { appendAudit } from '../audit/audit-service.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError, unauthenticated } from '../errors.ts';
import type { MessageChannel } from '../messaging/channel.ts';
import { scopeFor } from '../tenancy/regions-service.ts';
import { dummyHashPromise, verifyPassword } from './passwords.ts';
import { type RoleGrant, roles, type Shell, shellsFor } from './permissions.ts';
import { SessionCache } from './session-cache.ts';
import { findUserById, findUserByPhoneIndex, findUserByUsername, grantsOf, type UserRow } from './users-repo.ts';

export const LOCKOUT_FAILURES = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;
const CODE_TTL_MS = 5 * 60 * 1000;
const CODE_RESEND_MS = 60 * 1000;
const CODE_MAX_ATTEMPTS = 5;

export interface RequestMeta {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

export interface Principal {
  userId: string;
  displayName: string;
  locale: string;
  grants: RoleGrant[];
  shells: Shell[];
  /** The communities the grants reach, for row-level security. */
  scope: DataScope;
  sessionId: string;
  mfaPending: boolean;
}

export interface LoginResult {
  token: string;
  expiresAt: Date;
  mfaRequired: boolean;
}

export interface AuthDeps {
  database: Database;
  crypto: FieldCrypto;
  channel: MessageChannel;
  log: Logger;
  sessionTtlHours: number;
  /** How long a resolved session is trusted without asking the database again; 0 disables the cache. */
  sessionCacheMs?: number;
  now?: () => Date;
}

export const phoneRe = /^1[3-9]\d{9}$/;
const sessionId = (token: string) => createHash('sha256').update(token).digest('hex');

const invalidCredentials = () =>
  new AppError('INVALID_CREDENTIALS', { zh: '账号或密码错误', en: 'Wrong account or password' });

/** Password, one-time code and TOTP sign-in; cookie sessions stored by hash; lockout after repeated failures. */
export class AuthService {
  readonly #d: AuthDeps;
  readonly #cache: SessionCache<Principal>;
  constructor(deps: AuthDeps) {
    this.#d = deps;
    this.#cache = new SessionCache(deps.sessionCacheMs ?? 5000);
  }

  #now(): Date {
    return this.#d.now?.() ?? new Date();
  }

  #identifierIndex(identifier: string): string {
    return this.#d.crypto.blindIndex('login', identifier.trim().toLowerCase());
  }

  async #findByIdentifier(identifier: string): Promise<UserRow | undefined> {
    const id = identifier.trim();
    const { db } = this.#d.database;
    if (phoneRe.test(id)) return findUserByPhoneIndex(db, this.#d.crypto.blindIndex('phone', id));
    return findUserByUsername(db, id.toLowerCase());
  }

  async #assertNotLocked(identifierIndex: string): Promise<void> {
    const since = new Date(this.#now().getTime() - LOCKOUT_WINDOW_MS);
    const recent = await this.#d.database.db
      .select({ success: loginAttempts.success, at: loginAttempts.at })
      .from(loginAttempts)
      .where(and(eq(loginAttempts.identifierIndex, identifierIndex), gt(loginAttempts.at, since)))
      .orderBy(desc(loginAttempts.at))
      .limit(LOCKOUT_FAILURES);
    const failures = recent.findIndex((r) => r.success);
    const consecutive = failures === -1 ? recent.length : failures;
    if (consecutive >= LOCKOUT_FAILURES) {
      const unlockAt = new Date(recent[LOCKOUT_FAILURES - 1].at.getTime() + LOCKOUT_WINDOW_MS);
      const minutes = Math.max(1, Math.ceil((unlockAt.getTime() - this.#now().getTime()) / 60000));
      throw new AppError('ACCOUNT_LOCKED', {
        zh: `连续登录失败次数过多，账号已锁定，请 ${minutes} 分钟后再试`,
        en: `Too many failed sign-ins; the account is locked for ${minutes} more minute(s)`,
      });
    }
  }

  async #recordAttempt(
    identifierIndex: string,
    user: UserRow | undefined,
    success: boolean,
    meta: RequestMeta,
    method: string,
  ) {
    const { db } = this.#d.database;
    await db.transaction(async (tx) => {
      await tx
        .insert(loginAttempts)
        .values({ identifierIndex, userId: user?.id ?? null, success, ip: meta.ip ?? null, at: this.#now() });
      await appendAudit(tx, {
        subject: user?.id ?? 'anonymous',
        action: `auth.login.${method}`,
        objectType: 'user',
        objectId: user?.id ?? null,
        result: success ? 'success' : 'failure',
        sourceIp: meta.ip,
        requestId: meta.requestId,
      });
    });
  }

  async #createSession(user: UserRow, method: string, meta: RequestMeta): Promise<LoginResult> {
    const grants = await grantsOf(this.#d.database.db, user.id);
    const mfaRequired = user.totpEnabled && grants.some((g) => roles[g.role].mfa);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.#now().getTime() + this.#d.sessionTtlHours * 3600_000);
    await this.#d.database.db.insert(sessions).values({
      id: sessionId(token),
      userId: user.id,
      method,
      mfaPending: mfaRequired,
      expiresAt,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
    });
    return { token, expiresAt, mfaRequired };
  }

  async login(identifier: string, password: string, meta: RequestMeta = {}): Promise<LoginResult> {
    const idx = this.#identifierIndex(identifier);
    await this.#assertNotLocked(idx);
    const user = await this.#findByIdentifier(identifier);
    let ok = false;
    if (user?.passwordHash && user.status === 'active') ok = await verifyPassword(password, user.passwordHash);
    else await verifyPassword(password, await dummyHashPromise); // same work either way: timing does not tell
    await this.#recordAttempt(idx, user, ok, meta, 'password');
    if (!ok || !user) throw invalidCredentials();
    return this.#createSession(user, 'password', meta);
  }

  /** Sends a one-time login code; answers the same whether or not the phone has an account. */
  async requestCode(phone: string, meta: RequestMeta = {}): Promise<void> {
    const user = await this.#findByIdentifier(phone);
    if (user?.status !== 'active') {
      this.#d.log.info({ requestId: meta.requestId }, 'login code requested for an unknown phone');
      return;
    }
    const { db } = this.#d.database;
    const [last] = await db
      .select({ createdAt: oneTimeCodes.createdAt })
      .from(oneTimeCodes)
      .where(and(eq(oneTimeCodes.userId, user.id), eq(oneTimeCodes.purpose, 'login')))
      .orderBy(desc(oneTimeCodes.createdAt))
      .limit(1);
    if (last && this.#now().getTime() - last.createdAt.getTime() < CODE_RESEND_MS) {
      throw new AppError('RATE_LIMITED', {
        zh: '验证码发送过于频繁，请 1 分钟后再试',
        en: 'A code was sent recently; try again in a minute',
      });
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await db.insert(oneTimeCodes).values({
      userId: user.id,
      purpose: 'login',
      codeHash: this.#d.crypto.blindIndex('otp', `${user.id}:${code}`),
      expiresAt: new Date(this.#now().getTime() + CODE_TTL_MS),
      createdAt: this.#now(),
    });
    await this.#d.channel.send({
      userId: user.id,
      address: phone,
      template: 'login-code',
      vars: { code },
      text: `【社区】您的登录验证码是 ${code}，5 分钟内有效。`,
    });
  }

  async loginWithCode(phone: string, code: string, meta: RequestMeta = {}): Promise<LoginResult> {
    const idx = this.#identifierIndex(phone);
    await this.#assertNotLocked(idx);
    const user = await this.#findByIdentifier(phone);
    const { db } = this.#d.database;
    let ok = false;
    if (user && user.status === 'active') {
      const [pending] = await db
        .select()
        .from(oneTimeCodes)
        .where(
          and(
            eq(oneTimeCodes.userId, user.id),
            eq(oneTimeCodes.purpose, 'login'),
            isNull(oneTimeCodes.consumedAt),
            gt(oneTimeCodes.expiresAt, this.#now()),
          ),
        )
        .orderBy(desc(oneTimeCodes.createdAt))
        .limit(1);
      if (pending && pending.attempts < CODE_MAX_ATTEMPTS) {
        ok = pending.codeHash === this.#d.crypto.blindIndex('otp', `${user.id}:${code}`);
        await db
          .update(oneTimeCodes)
          .set(ok ? { consumedAt: this.#now() } : { attempts: sql`${oneTimeCodes.attempts} + 1` })
          .where(eq(oneTimeCodes.id, pending.id));
      }
    }
    await this.#recordAttempt(idx, user, ok, meta, 'code');
    if (!ok || !user)
      throw new AppError('INVALID_CREDENTIALS', { zh: '验证码错误或已过期', en: 'The code is wrong or has expired' });
    return this.#createSession(user, 'code', meta);
  }

  /**
   * Resolves a cookie token; expired, unknown or MFA-pending sessions give null unless `allowMfaPending`.
   * Resolutions are cached for `sessionCacheMs` (default 5 s) so a request costs no query for its session.
   */
  async principal(token: string | undefined, opts: { allowMfaPending?: boolean } = {}): Promise<Principal | null> {
    if (!token) return null;
    const id = sessionId(token);
    const now = this.#now().getTime();
    let p: Principal | null | undefined = this.#cache.get(id, now);
    if (p === undefined) {
      const loaded = await this.#loadPrincipal(id);
      p = loaded?.principal ?? null;
      if (loaded) this.#cache.set(id, loaded.principal, now, loaded.expiresAt.getTime());
    }
    if (!p || (p.mfaPending && !opts.allowMfaPending)) return null;
    return p;
  }

  async #loadPrincipal(id: string): Promise<{ principal: Principal; expiresAt: Date } | null> {
    const { db } = this.#d.database;
    const [s] = await db.select().from(sessions).where(eq(sessions.id, id));
    if (!s || s.expiresAt <= this.#now()) return null;
    const user = await findUserById(db, s.userId);
    if (user?.status !== 'active') return null;
    const grants = await grantsOf(db, user.id);
    const principal: Principal = {
      userId: user.id,
      displayName: user.displayName,
      locale: user.locale,
      grants,
      shells: shellsFor(grants),
      scope: await scopeFor(db, grants),
      sessionId: s.id,
      mfaPending: s.mfaPending,
    };
    return { principal, expiresAt: s.expiresAt };
  }

  async logout(token: string | undefined): Promise<void> {
    if (!token) return;
    this.#cache.delete(sessionId(token));
    await this.#d.database.db.delete(sessions).where(eq(sessions.id, sessionId(token)));
  }

  /** Starts TOTP enrolment: stores an encrypted secret (not yet enforced) and returns the otpauth URI. */
  async beginTotp(userId: string, label: string): Promise<{ secret: string; uri: string }> {
    const secret = new Secret({ size: 20 });
    await this.#d.database.db
      .update(users)
      .set({ totpSecretCipher: this.#d.crypto.encrypt(secret.base32, 'users.totp_secret'), totpEnabled: false })
      .where(eq(users.id, userId));
    const totp = new TOTP({ issuer: 'Shequ 社区', label, secret, digits: 6, period: 30 });
    return { secret: secret.base32, uri: totp.toString() };
  }

  #checkTotp(user: UserRow, code: string): boolean {
    if (!user.totpSecretCipher) return false;
    const secret = Secret.fromBase32(this.#d.crypto.decrypt(user.totpSecretCipher, 'users.totp_secret'));
    const totp = new TOTP({ secret, digits: 6, period: 30 });
    return totp.validate({ token: code.trim(), timestamp: this.#now().getTime(), window: 1 }) !== null;
  }

  /** Confirms enrolment with a first code; from then on sign-in of MFA roles asks for a code. */
  async enableTotp(userId: string, code: string, meta: RequestMeta = {}): Promise<void> {
    const { db } = this.#d.database;
    const user = await findUserById(db, userId);
    if (!user || !this.#checkTotp(user, code)) {
      throw new AppError('INVALID_INPUT', {
        zh: '动态口令不正确',
        en: 'The authenticator code is wrong',
        fieldErrors: { code: ['动态口令不正确'] },
      });
    }
    await db.transaction(async (tx) => {
      await tx.update(users).set({ totpEnabled: true }).where(eq(users.id, userId));
      await appendAudit(tx, {
        subject: userId,
        action: 'auth.totp.enable',
        objectType: 'user',
        objectId: userId,
        result: 'success',
        sourceIp: meta.ip,
        requestId: meta.requestId,
      });
    });
  }

  /** Second step of an MFA sign-in; failures count towards the lockout of the account. */
  async verifyTotp(token: string | undefined, code: string, meta: RequestMeta = {}): Promise<void> {
    const p = await this.principal(token, { allowMfaPending: true });
    if (!p) throw unauthenticated();
    if (!p.mfaPending) return;
    const { db } = this.#d.database;
    const user = await findUserById(db, p.userId);
    const idx = this.#d.crypto.blindIndex('login-totp', p.userId);
    await this.#assertNotLocked(idx);
    const ok = !!user && this.#checkTotp(user, code);
    await this.#recordAttempt(idx, user, ok, meta, 'totp');
    if (!ok) throw new AppError('INVALID_CREDENTIALS', { zh: '动态口令不正确', en: 'The authenticator code is wrong' });
    await db.update(sessions).set({ mfaPending: false }).where(eq(sessions.id, p.sessionId));
    this.#cache.delete(p.sessionId);
  }

  /** Opens a session for a user whose identity was established elsewhere (OIDC). */
  async sessionFor(userId: string, method: string, meta: RequestMeta = {}): Promise<LoginResult> {
    const user = await findUserById(this.#d.database.db, userId);
    if (user?.status !== 'active') throw unauthenticated();
    await this.#recordAttempt(this.#identifierIndex(`${method}:${userId}`), user, true, meta, method);
    return this.#createSession(user, method, meta);
  }
}

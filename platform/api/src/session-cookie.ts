import type { FastifyReply } from 'fastify';

export const SESSION_COOKIE = 'shequ_session';

/** The one place the session cookie's attributes are decided: httpOnly, same-site lax, Secure behind https. */
export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/', expires: expiresAt });
}

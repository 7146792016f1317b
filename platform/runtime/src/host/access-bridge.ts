import { AppError, type BaseDeps, inviteVisitor, listPassRecords, myInvitations } from '@shequ/core';
import { z } from 'zod';
import type { BridgeCall, CapabilityAction } from './services.ts';

const at = z.iso.datetime({ offset: true });
const inviteArgs = z
  .object({
    visitorName: z.string().trim().min(1).max(40),
    visitorPhone: z.string().trim().max(20).optional(),
    validFrom: at,
    validUntil: at,
    maxEntries: z.number().int().min(1).max(20).optional(),
    note: z.string().trim().max(200).optional(),
  })
  .strict();
const passesArgs = z
  .object({ cursor: z.string().max(200).optional(), limit: z.number().int().min(1).max(100).optional() })
  .strict();

const residentOnly = (call: BridgeCall, zh: string, en: string) => {
  if (call.user?.role !== 'resident') throw new AppError('FORBIDDEN', { zh, en });
  return call.user;
};

/**
 * The access service to apps: an app invites a visitor only on the signed-in resident's own call (the pass is hers,
 * listed and revocable in 访客邀请), and reads only the gate passes of her own visitors (an operator's call reads the
 * community's passes).
 */
export function accessCapabilities(
  deps: BaseDeps,
  parse: <T>(schema: z.ZodType<T>, args: unknown, what: string) => T,
): [string, CapabilityAction][] {
  return [
    [
      'access.invite',
      async (call, args) => {
        const a = parse(inviteArgs, args, 'access.invite');
        const user = residentOnly(
          call,
          '只能在居民本人操作时为其邀请访客',
          'An app invites a visitor only on a signed-in resident’s own call',
        );
        const p = await inviteVisitor(
          deps,
          call.communityId,
          { subject: user.id, userId: user.id },
          {
            visitorName: a.visitorName,
            visitorPhone: a.visitorPhone,
            validFrom: new Date(a.validFrom),
            validUntil: new Date(a.validUntil),
            maxEntries: a.maxEntries,
            note: a.note ?? `app:${call.plugin.id}`,
          },
        );
        return {
          passId: p.id,
          token: p.token,
          code: p.code,
          validFrom: p.validFrom,
          validUntil: p.validUntil,
          maxEntries: p.maxEntries,
        };
      },
    ],
    [
      'access.passes',
      async (call, args) => {
        const a = parse(passesArgs, args, 'access.passes');
        if (!call.user) {
          throw new AppError('FORBIDDEN', {
            zh: '只能在用户本人操作时读取通行记录',
            en: 'An app reads pass records only on a signed-in user’s own call',
          });
        }
        if (call.user.role === 'operator') {
          const page = await listPassRecords(deps.db, call.communityId, {}, { cursor: a.cursor, limit: a.limit ?? 50 });
          return { items: page.items.map(strip), nextCursor: page.nextCursor };
        }
        // A resident sees the passes of her own visitors, newest first.
        const mine = new Set((await myInvitations(deps, call.communityId, call.user.id)).map((p) => p.id));
        const page = await listPassRecords(
          deps.db,
          call.communityId,
          { subjectKind: 'visitor' },
          { cursor: a.cursor, limit: 200 },
        );
        return {
          items: page.items
            .filter((i) => i.visitorPassId && mine.has(i.visitorPassId))
            .slice(0, a.limit ?? 50)
            .map(strip),
          nextCursor: null,
        };
      },
    ],
  ];
}

/** What an app sees of a pass: no person or vehicle ids of the base warehouse. */
const strip = (i: Awaited<ReturnType<typeof listPassRecords>>['items'][number]) => ({
  id: i.id,
  gate: i.deviceName,
  direction: i.direction,
  passedAt: i.passedAt,
  subjectKind: i.subjectKind,
  visitorPassId: i.visitorPassId,
  visitorName: i.visitorName,
  plate: i.plate,
  method: i.method,
  admitted: i.admitted,
  refusal: i.refusal,
});

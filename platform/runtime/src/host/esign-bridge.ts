import { AppError, type BaseDeps, createDocument, type MessageDeps, type PlatformCa, platformCa } from '@shequ/core';
import { esignDocuments, roleAssignments, users, withScope } from '@shequ/db';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { BridgeCall, CapabilityAction } from './services.ts';

const createArgs = z
  .object({
    templateId: z.uuid(),
    signerUserId: z.uuid(),
    values: z.record(z.string().max(64), z.string().max(2000)),
    title: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
const statusArgs = z.object({ documentId: z.uuid() }).strict();

/** What an app's own documents are recorded as created by. */
const creator = (call: BridgeCall) => `plugin:${call.plugin.id}`;

/**
 * E-signature through the app bridge. An app creates a contract from one of the community's templates and sends it
 * to a resident — only to the resident who is calling, or on an operator's call — and reads the status of the
 * contracts it created. Signing stays with the resident in 待签合同: an app never sees or submits the one-time code.
 */
export function esignCapabilities(
  deps: BaseDeps & { adapters: MessageDeps['adapters']; esignCa?: () => Promise<PlatformCa> },
  parse: <T>(schema: z.ZodType<T>, args: unknown, what: string) => T,
): [string, CapabilityAction][] {
  let ca: Promise<PlatformCa> | undefined;
  const esignDeps = () => ({
    db: deps.db,
    crypto: deps.crypto,
    ca: deps.esignCa ?? (() => (ca ??= platformCa(deps.db, deps.crypto))),
    messages: { db: deps.db, adapters: deps.adapters, crypto: deps.crypto },
  });
  return [
    [
      'esign.createDocument',
      async (call, args) => {
        const a = parse(createArgs, args, 'esign.createDocument');
        if (!call.user || (call.user.role !== 'operator' && call.user.id !== a.signerUserId)) {
          throw new AppError('FORBIDDEN', {
            zh: '应用只能在居民本人或工作人员操作时发送合同',
            en: 'An app sends a contract only on the signing resident’s own call or an operator’s call',
          });
        }
        const [signer] = await deps.db
          .select({ id: users.id, displayName: users.displayName })
          .from(users)
          .innerJoin(roleAssignments, eq(roleAssignments.userId, users.id))
          .where(and(eq(users.id, a.signerUserId), eq(roleAssignments.regionId, call.communityId)))
          .limit(1);
        if (!signer) {
          throw new AppError('NOT_FOUND', {
            zh: '签署人不是本社区的用户',
            en: 'The signer is not a user of this community',
          });
        }
        const doc = await createDocument(
          esignDeps(),
          call.communityId,
          {
            templateId: a.templateId,
            signerUserId: signer.id,
            signerName: signer.displayName,
            values: a.values,
            title: a.title,
          },
          { subject: creator(call), role: 'plugin' },
        );
        return { documentId: doc.id, status: doc.status, expiresAt: doc.expiresAt };
      },
    ],
    [
      'esign.status',
      async (call, args) => {
        const a = parse(statusArgs, args, 'esign.status');
        const [d] = await withScope(deps.db, { kind: 'communities', ids: [call.communityId] }, (tx) =>
          tx
            .select()
            .from(esignDocuments)
            .where(
              and(
                eq(esignDocuments.id, a.documentId),
                eq(esignDocuments.communityId, call.communityId),
                eq(esignDocuments.createdBy, creator(call)),
              ),
            ),
        );
        if (!d)
          throw new AppError('NOT_FOUND', {
            zh: '合同不存在或不是本应用创建的',
            en: 'No such contract created by this app',
          });
        const now = Date.now();
        return {
          documentId: d.id,
          status: d.status === 'sent' && d.expiresAt && d.expiresAt.getTime() <= now ? 'expired' : d.status,
          sentAt: d.sentAt?.toISOString() ?? null,
          expiresAt: d.expiresAt?.toISOString() ?? null,
          signedAt: d.signedAt?.toISOString() ?? null,
          signedSha256: d.signedSha256,
        };
      },
    ],
  ];
}

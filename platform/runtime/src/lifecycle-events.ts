import { enqueue } from '@shequ/bus';
import { appendAudit } from '@shequ/core';
import type { Executor } from '@shequ/db';

export interface Actor {
  subject: string;
  role?: string | null;
  ip?: string | null;
  requestId?: string | null;
}

/** Audits a lifecycle change and announces it on the bus (`shequ.plugins.<action>`), inside the change's transaction. */
export async function appendLifecycle(
  tx: Executor,
  action: string,
  communityId: string,
  pluginId: string,
  version: string,
  actor: Actor,
  detail: Record<string, unknown> = {},
) {
  await appendAudit(tx, {
    subject: actor.subject,
    subjectRole: actor.role ?? null,
    action: `plugin.${action}`,
    objectType: 'plugin',
    objectId: pluginId,
    communityId,
    result: 'success',
    sourceIp: actor.ip ?? null,
    requestId: actor.requestId ?? null,
    detail: { version, ...detail },
  });
  await enqueue(tx, { subject: `shequ.plugins.${action}`, communityId, data: { pluginId, version, ...detail } });
}

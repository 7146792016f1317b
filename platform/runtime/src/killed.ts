import { AppError } from '@shequ/core';
import { type Executor, marketKills } from '@shequ/db';
import { and, eq } from 'drizzle-orm';

/** A version killed in the marketplace may never run again: not installed, enabled, upgraded or rolled back to. */
export async function assertNotKilled(tx: Executor, pluginId: string, version: string) {
  const [kill] = await tx
    .select({ reason: marketKills.reason })
    .from(marketKills)
    .where(and(eq(marketKills.pluginId, pluginId), eq(marketKills.version, version)))
    .limit(1);
  if (kill) {
    throw new AppError('CONFLICT', {
      zh: `应用 ${pluginId} 的 ${version} 版本已被紧急停用（${kill.reason}），不能再使用`,
      en: `${pluginId}@${version} was killed (${kill.reason}) and cannot run again`,
    });
  }
}

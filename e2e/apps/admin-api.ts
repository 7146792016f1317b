// The suite's platform plus a client holding its admin bearer token (see e2e/support), so the suite can register
// its test app the way a publisher's pipeline would.
import { type AdminApi, adminApi } from '../support/admin-api.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';

export type { AdminApi };

export async function startWithAdmin(): Promise<{
  platform: RunningPlatform;
  admin: AdminApi;
  cleanup(): Promise<void>;
}> {
  const platform = await startPlatform();
  return { platform, admin: adminApi(platform), cleanup: () => platform.stop() };
}

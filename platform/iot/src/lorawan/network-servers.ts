import { type Actor, AppError, appendAudit } from '@shequ/core';
import { type DataScope, type Db, networkServers, withScope } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { auditActor, type IotDeps } from '../registry/deps.ts';

/**
 * A community's LoRaWAN network server. One per community, not per product: DevEUIs are unique platform-wide, a
 * community's LoRaWAN devices (meters, sensors of several products) join one ChirpStack tenant, and the application
 * account that posts its uplinks is a community's too. The API token is stored encrypted and never read back.
 */
export type NetworkServerKind = 'chirpstack' | 'tts';

export interface NetworkServerInput {
  kind: NetworkServerKind;
  baseUrl: string;
  /** The Things Stack: the application and the webhook (its ID in the application) downlinks are pushed through. */
  ttsApplicationId?: string;
  ttsWebhookId?: string;
  /** Omitted on an update: the stored token is kept. */
  token?: string;
  enabled: boolean;
  /** Silence after which a device seen only through the network server goes offline (60 s … 7 days; 1,800 s). */
  offlineAfterSeconds?: number;
}

/** A connection as the downlink uses it: the token in clear, in memory only. */
export interface NetworkServer {
  communityId: string;
  kind: NetworkServerKind;
  baseUrl: string;
  ttsApplicationId: string | null;
  ttsWebhookId: string | null;
  token: string;
  enabled: boolean;
  offlineAfterSeconds: number;
}

/** What reads answer: the same fields, the token only as a mask. */
export type NetworkServerView = Omit<NetworkServer, 'communityId'> & { updatedAt: Date };

/** Two uplinks missed at a typical 15-minute interval: a device silent for 30 minutes is offline. */
export const DEFAULT_OFFLINE_AFTER_SECONDS = 1800;
export const TOKEN_MASK = '••••••••';
const tokenContext = (communityId: string) => `iot.network_server.${communityId}`;
/** The Things Stack IDs: lowercase letters, digits and single dashes, 2–36 characters. */
const ttsIdRe = /^[a-z0-9](?:-?[a-z0-9]){1,35}$/;

function checkInput(input: NetworkServerInput, requireToken: boolean): string {
  const fieldErrors: Record<string, string[]> = {};
  let url: URL | undefined;
  try {
    url = new URL(input.baseUrl);
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password)
    fieldErrors.baseUrl = ['an http(s) URL without credentials'];
  if (input.token !== undefined ? input.token.trim() === '' : requireToken) fieldErrors.token = ['required'];
  const o = input.offlineAfterSeconds;
  if (o !== undefined && (!Number.isInteger(o) || o < 60 || o > 604_800))
    fieldErrors.offlineAfterSeconds = ['60–604800'];
  if (input.kind !== 'chirpstack' && input.kind !== 'tts') fieldErrors.kind = ['chirpstack or tts'];
  if (input.kind === 'tts') {
    if (!ttsIdRe.test(input.ttsApplicationId ?? ''))
      fieldErrors.ttsApplicationId = ['a The Things Stack application ID'];
    if (!ttsIdRe.test(input.ttsWebhookId ?? '')) fieldErrors.ttsWebhookId = ['a The Things Stack webhook ID'];
  }
  if (Object.keys(fieldErrors).length)
    throw new AppError('INVALID_INPUT', {
      zh: '网络服务器连接无效：地址须为 http(s) URL，API 令牌不能为空（The Things Stack 还需应用 ID 与 Webhook ID）',
      en: 'Invalid network server connection: the URL must be http(s) and the API token non-empty (The Things Stack also needs the application and webhook IDs)',
      fieldErrors,
    });
  // Stored without a trailing slash: paths are appended to it.
  return url!.toString().replace(/\/+$/, '');
}

export async function getNetworkServer(
  d: IotDeps,
  scope: DataScope,
  communityId: string,
): Promise<NetworkServerView | null> {
  const [row] = await withScope(d.db, scope, (tx) =>
    tx.select().from(networkServers).where(eq(networkServers.communityId, communityId)),
  );
  if (!row) return null;
  return {
    kind: row.kind,
    baseUrl: row.baseUrl,
    ttsApplicationId: row.ttsApplicationId,
    ttsWebhookId: row.ttsWebhookId,
    token: TOKEN_MASK,
    enabled: row.enabled,
    offlineAfterSeconds: row.offlineAfterSeconds,
    updatedAt: row.updatedAt,
  };
}

/** Creates or replaces the community's connection; audited (the token never enters the audit record). */
export async function setNetworkServer(
  d: IotDeps,
  scope: DataScope,
  communityId: string,
  input: NetworkServerInput,
  actor: Actor,
): Promise<NetworkServerView> {
  const existing = await getNetworkServer(d, scope, communityId);
  const baseUrl = checkInput(input, existing === null);
  const offlineAfterSeconds =
    input.offlineAfterSeconds ?? existing?.offlineAfterSeconds ?? DEFAULT_OFFLINE_AFTER_SECONDS;
  const tokenCipher =
    input.token === undefined ? undefined : d.crypto.encrypt(input.token.trim(), tokenContext(communityId));
  const tts =
    input.kind === 'tts'
      ? { ttsApplicationId: input.ttsApplicationId!, ttsWebhookId: input.ttsWebhookId! }
      : { ttsApplicationId: null, ttsWebhookId: null };
  await withScope(d.db, scope, async (tx) => {
    const now = new Date();
    // An update without a token keeps the stored one, so the row is updated rather than upserted.
    const row = existing
      ? await tx
          .update(networkServers)
          .set({
            kind: input.kind,
            baseUrl,
            ...tts,
            ...(tokenCipher ? { tokenCipher } : {}),
            enabled: input.enabled,
            offlineAfterSeconds,
            updatedAt: now,
          })
          .where(eq(networkServers.communityId, communityId))
          .returning({ id: networkServers.id })
      : await tx
          .insert(networkServers)
          .values({
            communityId,
            kind: input.kind,
            baseUrl,
            ...tts,
            tokenCipher: tokenCipher!,
            enabled: input.enabled,
            offlineAfterSeconds,
            createdBy: actor.subject,
          })
          .returning({ id: networkServers.id });
    await appendAudit(tx, {
      ...auditActor(actor),
      action: existing ? 'iot.network_server.update' : 'iot.network_server.create',
      objectType: 'iot.network_server',
      objectId: row[0].id,
      communityId,
      result: 'success',
      detail: {
        kind: input.kind,
        baseUrl,
        ...tts,
        enabled: input.enabled,
        offlineAfterSeconds,
        tokenChanged: tokenCipher !== undefined,
      },
    });
  });
  return (await getNetworkServer(d, scope, communityId))!;
}

export async function removeNetworkServer(d: IotDeps, scope: DataScope, communityId: string, actor: Actor) {
  return withScope(d.db, scope, async (tx) => {
    const [row] = await tx
      .delete(networkServers)
      .where(eq(networkServers.communityId, communityId))
      .returning({ id: networkServers.id, baseUrl: networkServers.baseUrl });
    if (!row)
      throw new AppError('NOT_FOUND', { zh: '本社区未配置网络服务器', en: 'The community has no network server' });
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.network_server.remove',
      objectType: 'iot.network_server',
      objectId: row.id,
      communityId,
      result: 'success',
      detail: { baseUrl: row.baseUrl },
    });
    return { removed: true };
  });
}

const CACHE_MS = 5_000;

/**
 * The connections, read platform-wide (the gateway and the LoRaWAN ingest serve every community) and cached a few
 * seconds, like the product codecs: an edit in another process is picked up within that time.
 */
export class NetworkServers {
  readonly #deps: IotDeps;
  readonly #cache = new Map<string, { at: number; server: NetworkServer | null }>();

  constructor(deps: { db: Db; crypto: IotDeps['crypto'] }) {
    this.#deps = deps;
  }

  forget(communityId?: string): void {
    if (communityId) this.#cache.delete(communityId);
    else this.#cache.clear();
  }

  async forCommunity(communityId: string): Promise<NetworkServer | null> {
    const hit = this.#cache.get(communityId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.server;
    const [row] = await this.#deps.db.select().from(networkServers).where(eq(networkServers.communityId, communityId));
    const server: NetworkServer | null = row
      ? {
          communityId,
          kind: row.kind,
          baseUrl: row.baseUrl,
          ttsApplicationId: row.ttsApplicationId,
          ttsWebhookId: row.ttsWebhookId,
          token: this.#deps.crypto.decrypt(row.tokenCipher, tokenContext(communityId)),
          enabled: row.enabled,
          offlineAfterSeconds: row.offlineAfterSeconds,
        }
      : null;
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(communityId, { at: Date.now(), server });
    return server;
  }
}

/** The default frame port of a downlink whose codec names none. */
export const DEFAULT_DOWNLINK_FPORT = 1;
const TIMEOUT_MS = 5_000;

/**
 * Queues a downlink on the network server; a 2xx means it is queued (sent in the device's next receive window).
 * ChirpStack v4 (REST API): `POST /api/devices/{devEui}/queue`, token in `Grpc-Metadata-Authorization`. The Things
 * Stack v3: `POST /api/v3/as/applications/{app}/webhooks/{webhook}/devices/{device}/down/push` with an API key as
 * bearer token; the device ID is `eui-{devEui}` (the console's default ID for a device registered by DevEUI).
 * Anything else than 2xx is an AppError naming the server and the status.
 */
export function queueDownlink(
  server: Pick<NetworkServer, 'kind' | 'baseUrl' | 'token' | 'ttsApplicationId' | 'ttsWebhookId'>,
  devEui: string,
  fPort: number,
  data: Buffer,
  timeoutMs = TIMEOUT_MS,
): Promise<{ status: number; id?: string }> {
  const frm = data.toString('base64');
  if (server.kind === 'tts') {
    const path = `/api/v3/as/applications/${server.ttsApplicationId}/webhooks/${server.ttsWebhookId}/devices/${ttsDeviceId(devEui)}/down/push`;
    return post(
      server.baseUrl,
      path,
      { authorization: `Bearer ${server.token}` },
      { downlinks: [{ f_port: fPort, frm_payload: frm, priority: 'NORMAL' }] },
      timeoutMs,
    );
  }
  return post(
    server.baseUrl,
    `/api/devices/${devEui}/queue`,
    { 'Grpc-Metadata-Authorization': `Bearer ${server.token}` },
    { queueItem: { confirmed: false, fPort, data: frm } },
    timeoutMs,
  );
}

/** The Things Stack's device ID for a DevEUI: the console's default, `eui-` and the DevEUI in lowercase hex. */
export const ttsDeviceId = (devEui: string) => `eui-${devEui.toLowerCase()}`;

async function post(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; id?: string }> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    const why =
      (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : String((err as Error).message);
    throw new AppError('UNAVAILABLE', {
      zh: `无法连接网络服务器 ${baseUrl}：${why}`,
      en: `Network server ${baseUrl} unreachable: ${why}`,
    });
  }
  const text = await res.text().catch(() => '');
  if (res.status < 200 || res.status > 299) {
    const detail = text.slice(0, 200);
    throw new AppError('UNAVAILABLE', {
      zh: `网络服务器 ${baseUrl} 拒绝下行（HTTP ${res.status}）${detail ? `：${detail}` : ''}`,
      en: `Network server ${baseUrl} refused the downlink (HTTP ${res.status})${detail ? `: ${detail}` : ''}`,
    });
  }
  let id: string | undefined;
  try {
    const j = JSON.parse(text) as { id?: unknown };
    if (typeof j.id === 'string') id = j.id;
  } catch {}
  return { status: res.status, id };
}

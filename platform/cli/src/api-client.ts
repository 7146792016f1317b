import type { Config } from '@shequ/core';
import { str } from './args.ts';
import { readRuntime } from './runtime-file.ts';

function target(config: Config, flags: Record<string, string | true>) {
  const runtime = readRuntime(config.dataDir);
  const base = str(flags.url) ?? process.env.SHEQU_URL ?? runtime?.apiUrl;
  const token = str(flags.token) ?? process.env.SHEQU_TOKEN ?? runtime?.adminToken;
  if (!base || !token) {
    throw new Error(
      `no running platform found in ${config.dataDir} (start it with \`npm start\`), or pass --url and --token`,
    );
  }
  return { base, token };
}

/** Sends one authenticated request to the running platform; an unreachable platform is one clear error. */
async function send(
  config: Config,
  flags: Record<string, string | true>,
  path: string | URL,
  init: RequestInit,
): Promise<Response> {
  const { base, token } = target(config, flags);
  const url = typeof path === 'string' ? new URL(path, base) : path;
  try {
    return await fetch(url, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
    });
  } catch (err) {
    throw new Error(`cannot reach the platform at ${base}: ${(err as Error).message}`);
  }
}

/** Posts a file to a REST route of the running platform; answers the parsed JSON and the HTTP status. */
export async function postFile<T>(
  config: Config,
  flags: Record<string, string | true>,
  path: string,
  data: Buffer,
  fileName: string,
): Promise<{ status: number; body: T }> {
  const res = await send(config, flags, path, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(fileName) },
    body: new Uint8Array(data),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Posts a raw body with its content type to a route of the running platform; answers the status and the text. */
export async function postBody(
  config: Config,
  flags: Record<string, string | true>,
  path: string,
  data: Buffer,
  contentType: string,
): Promise<{ status: number; text: string }> {
  const res = await send(config, flags, path, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(data),
  });
  return { status: res.status, text: await res.text() };
}

/** Calls a tRPC procedure of the running platform over HTTP with the admin bearer token. */
export async function callApi<T>(
  config: Config,
  flags: Record<string, string | true>,
  kind: 'query' | 'mutation',
  path: string,
  input?: unknown,
): Promise<T> {
  const url = new URL(`/api/trpc/${path}`, target(config, flags).base);
  const init: RequestInit = { headers: { 'content-type': 'application/json' } };
  if (kind === 'query') {
    if (input !== undefined) url.searchParams.set('input', JSON.stringify(input));
  } else {
    init.method = 'POST';
    init.body = JSON.stringify(input ?? null);
  }
  const res = await send(config, flags, url, init);
  const body = (await res.json()) as {
    result?: { data: T };
    error?: { message: string; data?: { messageZh?: string; fieldErrors?: unknown } };
  };
  if (body.error) {
    const d = body.error.data;
    throw new Error(
      `${d?.messageZh ?? ''} ${body.error.message}${d?.fieldErrors ? ` ${JSON.stringify(d.fieldErrors)}` : ''}`.trim(),
    );
  }
  return body.result!.data;
}

// Same-origin gateway to the API server: the browser only ever talks to the web origin, so the
// session cookie stays first-party and the API needs no CORS.
export const dynamic = 'force-dynamic';

// Hop-by-hop headers describe one connection and must not be forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

const NULL_BODY_STATUS = new Set([204, 205, 304]);

function apiBase(): string {
  // Read per request, not at build time: the same build runs against any API address.
  return (process.env.SHEQU_API_URL ?? 'http://127.0.0.1:3001').replace(/\/+$/, '');
}

function forwardRequestHeaders(req: Request, url: URL): Headers {
  const headers = new Headers();
  req.headers.forEach((value, name) => {
    // fetch decompresses on its own, so ask upstream for what we can stream back untouched.
    if (!HOP_BY_HOP.has(name) && name !== 'accept-encoding' && name !== 'content-length') headers.set(name, value);
  });
  if (!headers.has('x-forwarded-host')) headers.set('x-forwarded-host', url.host);
  if (!headers.has('x-forwarded-proto')) headers.set('x-forwarded-proto', url.protocol.replace(':', ''));
  return headers;
}

function responseHeaders(upstream: Response): Headers {
  const headers = new Headers();
  upstream.headers.forEach((value, name) => {
    // set-cookie is folded by forEach; it is copied one by one below.
    if (HOP_BY_HOP.has(name) || name === 'set-cookie') return;
    // The body is already decoded by fetch; the old encoding and length would be wrong.
    if (name === 'content-encoding' || name === 'content-length') return;
    headers.set(name, value);
  });
  for (const cookie of upstream.headers.getSetCookie()) headers.append('set-cookie', cookie);
  return headers;
}

async function proxy(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const target = `${apiBase()}${url.pathname}${url.search}`;
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: req.method,
      headers: forwardRequestHeaders(req, url),
      body: hasBody ? req.body : undefined,
      // Required by undici to stream a request body.
      duplex: hasBody ? 'half' : undefined,
      // OIDC and other redirects belong to the browser, not to this server.
      redirect: 'manual',
      signal: req.signal,
    } as RequestInit & { duplex?: 'half' });
  } catch {
    return Response.json(
      {
        error: {
          message: 'API unavailable',
          data: {
            appCode: 'UNAVAILABLE',
            messageZh: '服务暂时不可用，请稍后再试',
            messageEn: 'Service unavailable, please try again later',
          },
        },
      },
      { status: 502 },
    );
  }
  const bodiless = req.method === 'HEAD' || NULL_BODY_STATUS.has(upstream.status);
  return new Response(bodiless ? null : upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: responseHeaders(upstream),
  });
}

export const GET = proxy;
export const HEAD = proxy;
export const POST = proxy;
export const PUT = proxy;
export const PATCH = proxy;
export const DELETE = proxy;
export const OPTIONS = proxy;

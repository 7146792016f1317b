import { readFileSync } from 'node:fs';
import { ConfigError } from '../../config.ts';
import { AlipayProvider } from './alipay.ts';
import type { Transport } from './transport.ts';
import { UnionPayProvider } from './unionpay.ts';
import { WechatPayProvider } from './wechat.ts';

/**
 * The environment variables of each provider adapter, by the setting they fill. `…_FILE` variables name PEM files;
 * `SHEQU_PAY_WECHAT_PLATFORM_CERTS` is a comma-separated list of `serial=path` (WeChat Pay platform certificates or
 * public keys). A provider with any variable missing stays unconfigured: every call refuses, naming the variables.
 */
export const paymentEnv = {
  wechat: {
    mchId: 'SHEQU_PAY_WECHAT_MCHID',
    appId: 'SHEQU_PAY_WECHAT_APPID',
    serialNo: 'SHEQU_PAY_WECHAT_SERIAL_NO',
    privateKeyPem: 'SHEQU_PAY_WECHAT_KEY_FILE',
    apiV3Key: 'SHEQU_PAY_WECHAT_APIV3_KEY',
    platformKeys: 'SHEQU_PAY_WECHAT_PLATFORM_CERTS',
  },
  alipay: {
    appId: 'SHEQU_PAY_ALIPAY_APPID',
    privateKeyPem: 'SHEQU_PAY_ALIPAY_KEY_FILE',
    alipayPublicKeyPem: 'SHEQU_PAY_ALIPAY_PUBLIC_KEY_FILE',
  },
  unionpay: {
    merId: 'SHEQU_PAY_UNIONPAY_MERID',
    certId: 'SHEQU_PAY_UNIONPAY_CERT_ID',
    privateKeyPem: 'SHEQU_PAY_UNIONPAY_KEY_FILE',
    unionPayPublicKeyPem: 'SHEQU_PAY_UNIONPAY_PUBLIC_KEY_FILE',
  },
} as const;

/** The raw values of every payment variable that is set (what `loadConfig` keeps). */
export function paymentVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const group of Object.values(paymentEnv)) {
    for (const name of Object.values(group)) if (env[name]) out[name] = env[name] as string;
  }
  return out;
}

type Read = (path: string) => string;
const defaultRead: Read = (p) => readFileSync(p, 'utf8');

function pem(vars: Record<string, string>, name: string, read: Read) {
  const path = vars[name];
  if (!path) return undefined;
  let text: string;
  try {
    text = read(path);
  } catch {
    throw new ConfigError(name, `names a file that cannot be read: ${path}`);
  }
  if (!text.includes('-----BEGIN ')) throw new ConfigError(name, `is not a PEM file: ${path}`);
  return text;
}

function platformCerts(vars: Record<string, string>, read: Read) {
  const name = paymentEnv.wechat.platformKeys;
  const raw = vars[name];
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [serial, path] = item.split('=');
    if (!serial || !path) throw new ConfigError(name, `must be serial=path[,serial=path…], got "${item}"`);
    out[serial] = pem({ [name]: path }, name, read) as string;
  }
  return out;
}

/**
 * Builds the WeChat Pay, Alipay and UnionPay adapters from the payment variables. Nothing is required: a provider
 * without its variables is created unconfigured, and its refusal names the missing variables.
 */
export function providersFromEnv(vars: Record<string, string>, opts: { transport?: Transport; read?: Read } = {}) {
  const read = opts.read ?? defaultRead;
  const w = paymentEnv.wechat;
  const a = paymentEnv.alipay;
  const u = paymentEnv.unionpay;
  if (vars[w.apiV3Key] && Buffer.byteLength(vars[w.apiV3Key]) !== 32)
    throw new ConfigError(w.apiV3Key, 'must be the 32-character APIv3 key');
  return {
    wechat: new WechatPayProvider(
      {
        mchId: vars[w.mchId],
        appId: vars[w.appId],
        serialNo: vars[w.serialNo],
        privateKeyPem: pem(vars, w.privateKeyPem, read),
        apiV3Key: vars[w.apiV3Key],
        platformKeys: platformCerts(vars, read),
      },
      opts.transport,
      w,
    ),
    alipay: new AlipayProvider(
      {
        appId: vars[a.appId],
        privateKeyPem: pem(vars, a.privateKeyPem, read),
        alipayPublicKeyPem: pem(vars, a.alipayPublicKeyPem, read),
      },
      opts.transport,
      a,
    ),
    unionpay: new UnionPayProvider(
      {
        merId: vars[u.merId],
        certId: vars[u.certId],
        privateKeyPem: pem(vars, u.privateKeyPem, read),
        unionPayPublicKeyPem: pem(vars, u.unionPayPublicKeyPem, read),
      },
      opts.transport,
      u,
    ),
  };
}

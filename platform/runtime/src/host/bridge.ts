import { AppError, type AuditEntry } from '@shequ/core';
import type { PluginGrants } from '@shequ/db';
import type { PluginManifest } from '@shequ/schemas';
import type { Collections } from './collections.ts';
import type { BridgeCall, Capabilities } from './services.ts';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Everything one invocation's bridge may use; built per call by the plugin host (or the SDK's fake host). */
export interface BridgeEnv {
  call: BridgeCall;
  manifest: PluginManifest;
  grants: PluginGrants;
  collections: Collections;
  capabilities: Capabilities;
  emit(event: string, payload: unknown): Promise<void>;
  fetch(url: URL, init: { method: string; headers: Record<string, string>; body?: string }): Promise<HttpAnswer>;
  audit(entry: AuditEntry): void;
}

const forbidden = (zh: string, en: string) => new AppError('FORBIDDEN', { zh, en });
const invalid = (zh: string, en: string) => new AppError('INVALID_INPUT', { zh, en });
const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

const eventRe = /^[a-z][a-z0-9-]{0,39}(\.[a-z][a-z0-9-]{0,39}){0,3}$/;

function checkService(env: BridgeEnv, service: string, action: string) {
  const asked = env.manifest.permissions?.services?.[service] ?? [];
  if (!asked.includes(action)) {
    throw forbidden(
      `应用清单未申请服务 ${service}.${action}`,
      `The app's manifest does not ask for ${service}.${action}`,
    );
  }
  if (!(env.grants.services[service] ?? []).includes(action)) {
    throw forbidden(
      `本社区未授权该应用使用 ${service}.${action}`,
      `${service}.${action} was not granted to this app in this community`,
    );
  }
}

function checkScope(env: BridgeEnv, scope: string) {
  if (!(env.manifest.permissions?.data ?? []).includes(scope)) {
    throw forbidden(`应用清单未申请数据范围 ${scope}`, `The app's manifest does not ask for the data scope ${scope}`);
  }
  if (!env.grants.data.includes(scope)) {
    throw forbidden(`本社区未授权该应用读取 ${scope}`, `The data scope ${scope} was not granted in this community`);
  }
}

function checkHost(env: BridgeEnv, raw: unknown): URL {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw invalid('网址格式不正确', `Not a URL: ${String(raw).slice(0, 200)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalid('只允许 http 或 https', 'Only http and https');
  const host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  if (!(env.manifest.http?.hosts ?? []).includes(host)) {
    throw forbidden(`应用清单未声明外部地址 ${host}`, `The app's manifest does not declare the host ${host}`);
  }
  if (!env.grants.hosts.includes(host)) {
    throw forbidden(`本社区未批准访问 ${host}`, `Calls to ${host} were not approved in this community`);
  }
  return url;
}

async function dispatch(env: BridgeEnv, op: string, a: Record<string, unknown>): Promise<unknown> {
  if (op.startsWith('collections.')) return env.collections.call(op, a, env.call.user?.id);
  switch (op) {
    case 'services.call': {
      const service = String(a.service);
      const action = String(a.action);
      checkService(env, service, action);
      const impl = env.capabilities.services.get(`${service}.${action}`);
      if (!impl)
        throw new AppError('NOT_FOUND', {
          zh: `服务 ${service}.${action} 不存在`,
          en: `No service ${service}.${action}`,
        });
      return impl(env.call, a.args);
    }
    case 'data.list': {
      const scope = String(a.scope);
      checkScope(env, scope);
      const impl = env.capabilities.data.get(scope);
      if (!impl) throw new AppError('NOT_FOUND', { zh: `数据范围 ${scope} 不存在`, en: `No data scope ${scope}` });
      return impl(env.call, a.query);
    }
    case 'emit': {
      const event = String(a.event);
      if (!eventRe.test(event)) {
        throw invalid(
          '事件名只能由小写字母、数字和连字符组成',
          `Event names are lower-case words joined by dots: "${event.slice(0, 80)}"`,
        );
      }
      await env.emit(event, a.payload);
      return { emitted: true };
    }
    case 'http.fetch': {
      const url = checkHost(env, a.url);
      const init = record(a.init);
      const method = typeof init.method === 'string' ? init.method.toUpperCase() : 'GET';
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method))
        throw invalid('不支持的请求方法', `Method ${method} is not supported`);
      const headers = Object.fromEntries(Object.entries(record(init.headers)).map(([k, v]) => [k, String(v)]));
      return env.fetch(url, { method, headers, body: typeof init.body === 'string' ? init.body : undefined });
    }
    default:
      throw invalid('未知的平台能力', `Unknown bridge operation ${op.slice(0, 80)}`);
  }
}

/** The host side of the bridge: checks what the manifest asks for and the operator granted, runs it, audits it. */
export function bridgeFor(env: BridgeEnv) {
  return async (op: string, args: unknown): Promise<unknown> => {
    const a = record(args);
    const what =
      op === 'services.call'
        ? `${op}:${String(a.service)}.${String(a.action)}`
        : op === 'data.list'
          ? `${op}:${String(a.scope)}`
          : op;
    const entry = (result: AuditEntry['result'], detail?: Record<string, unknown>): AuditEntry => ({
      subject: env.call.user?.id ?? `plugin:${env.call.plugin.id}`,
      subjectRole: env.call.user ? env.call.user.role : 'plugin',
      action: 'plugin.bridge',
      objectType: `plugin:${env.call.plugin.id}`,
      objectId: what,
      communityId: env.call.communityId,
      result,
      detail: { plugin: env.call.plugin.id, version: env.call.plugin.version, ...detail },
    });
    try {
      const value = await dispatch(env, op, a);
      env.audit(entry('success'));
      return value;
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'INTERNAL';
      env.audit(entry(code === 'FORBIDDEN' ? 'denied' : 'failure', { code }));
      throw err;
    }
  };
}

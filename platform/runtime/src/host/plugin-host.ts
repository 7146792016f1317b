import { enqueue } from '@shequ/bus';
import { AppError, AuditBatcher, type ErrorCode, type Logger } from '@shequ/core';
import { type Database, type PluginGrants, pluginInstalls, pluginPackages, regions, withScope } from '@shequ/db';
import type { PluginManifest } from '@shequ/schemas';
import { and, eq } from 'drizzle-orm';
import type { SandboxPool } from '../sandbox/pool.ts';
import type { GuestFailure, SandboxLimits } from '../sandbox/protocol.ts';
import { type BridgeEnv, bridgeFor, type HttpAnswer } from './bridge.ts';
import { checkCall } from './check-call.ts';
import { Collections, SqlRecordStore } from './collections.ts';
import { HandlerMetrics } from './metrics.ts';
import type { BridgeCall, Capabilities } from './services.ts';

export interface PluginPackage {
  pluginId: string;
  version: string;
  manifest: PluginManifest;
  bundle: string;
}

export interface InstallRow {
  communityId: string;
  pluginId: string;
  version: string;
  state: 'enabled' | 'disabled' | 'uninstalled';
  grants: PluginGrants;
  settings: Record<string, unknown>;
}

export interface InvokeInput {
  community: { id: string; code: string };
  pluginId: string;
  handler: string;
  input: unknown;
  /** The signed-in caller when a page calls; null for bus events, jobs and the CLI. */
  user: BridgeCall['user'];
  /** `page` calls are checked against the handler's roles; `system` calls (events, jobs) are not. */
  via: 'page' | 'system';
  /** The caller's language (zh-CN or en), as `ctx.locale`; zh-CN when unknown. */
  locale?: string;
}

export interface HostOptions {
  limits?: Partial<SandboxLimits>;
  /** Outbound HTTP for ctx.http.fetch; injected so tests never leave the machine. */
  fetch?: typeof fetch;
  /** How long an install row is trusted before it is read again (lifecycle changes on this process clear it). */
  installTtlMs?: number;
}

const passThrough: Record<string, ErrorCode[]> = {
  app: ['INVALID_INPUT', 'NOT_FOUND', 'CONFLICT', 'FORBIDDEN'],
  bridge: ['INVALID_INPUT', 'NOT_FOUND', 'CONFLICT'],
};

const reasons: Record<GuestFailure['kind'], [string, string]> = {
  app: ['应用报告了错误', 'the app reported an error'],
  bridge: ['平台能力调用失败', 'a platform call failed'],
  error: ['程序出错', 'the handler threw an error'],
  thrown: ['抛出了非错误对象', 'the handler threw a value that is not an Error'],
  missing: ['找不到处理函数', 'the handler does not exist'],
  cpu: ['超出 CPU 时间限制', 'it used more than its CPU budget'],
  memory: ['超出内存限制', 'it used more than its memory limit'],
  timeout: ['响应超时', 'it did not answer in time'],
  payload: ['数据量超出限制', 'it sent or returned too much data'],
  'bridge-flood': ['调用平台能力过于频繁', 'it made too many platform calls'],
  crash: ['沙箱进程异常退出', 'its sandbox process stopped'],
};

/** Maps what happened in the sandbox to the one error users see: the app's own message, or PLUGIN_FAILED naming it. */
export function failureToError(pkg: PluginPackage, f: GuestFailure): AppError {
  const code = f.code as ErrorCode | undefined;
  if (code && passThrough[f.kind]?.includes(code)) {
    return new AppError(code, { zh: f.zh ?? f.message, en: f.en ?? f.message, fieldErrors: f.fieldErrors });
  }
  const [zh, en] = reasons[f.kind] ?? reasons.error;
  return new AppError('PLUGIN_FAILED', {
    zh: `应用“${pkg.manifest.name.zh}”（${pkg.pluginId} ${pkg.version}）运行失败：${zh}`,
    en: `The app ${pkg.pluginId}@${pkg.version} failed: ${en} (${f.message.slice(0, 300)})`,
  });
}

async function limitedFetch(
  impl: typeof fetch,
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<HttpAnswer> {
  const res = await impl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(5000) });
  const body = await res.text();
  if (body.length > 1024 * 1024)
    throw new AppError('INVALID_INPUT', { zh: '外部响应过大', en: 'The response is larger than 1 MB' });
  return { status: res.status, headers: Object.fromEntries(res.headers), body };
}

/**
 * Runs plugin handlers for communities: finds the install and the package, checks who may call, builds the bridge
 * for this call, runs it in the sandbox pool and maps the outcome. Packages are immutable, so they are cached for
 * good; installs are cached briefly.
 */
export class PluginHost {
  readonly pool: SandboxPool;
  readonly #database: Database;
  readonly #capabilities: Capabilities;
  readonly #log: Logger;
  readonly #opts: HostOptions;
  readonly #audit: AuditBatcher;
  readonly #packages = new Map<string, Promise<PluginPackage | null>>();
  readonly #installs = new Map<string, { at: number; row: Promise<InstallRow | null> }>();
  readonly #enabled = new Map<
    string,
    { at: number; list: Promise<Array<{ install: InstallRow; pkg: PluginPackage }>> }
  >();
  readonly #codes = new Map<string, string>();
  /** Handler calls, errors and latency per community, version and handler: flushed to the table in batches. */
  readonly metrics = new HandlerMetrics();

  constructor(database: Database, pool: SandboxPool, capabilities: Capabilities, log: Logger, opts: HostOptions = {}) {
    this.#database = database;
    this.pool = pool;
    this.#capabilities = capabilities;
    this.#log = log;
    this.#opts = opts;
    this.#audit = new AuditBatcher(database.db, {
      onError: (err, lost) => log.error({ err, lost }, 'plugin bridge audit batch failed'),
    });
  }

  get database(): Database {
    return this.#database;
  }

  package(pluginId: string, version: string): Promise<PluginPackage | null> {
    const key = `${pluginId}@${version}`;
    let p = this.#packages.get(key);
    if (!p) {
      p = this.#database.db
        .select()
        .from(pluginPackages)
        .where(and(eq(pluginPackages.pluginId, pluginId), eq(pluginPackages.version, version)))
        .then(([r]) => (r ? { pluginId, version, manifest: r.manifest as PluginManifest, bundle: r.bundle } : null));
      p.then((r) => r ?? this.#packages.delete(key)).catch(() => this.#packages.delete(key));
      this.#packages.set(key, p);
    }
    return p;
  }

  install(communityId: string, pluginId: string): Promise<InstallRow | null> {
    const key = `${communityId}/${pluginId}`;
    const now = Date.now();
    const hit = this.#installs.get(key);
    if (hit && now - hit.at < (this.#opts.installTtlMs ?? 2000)) return hit.row;
    const row = withScope(this.#database.db, { kind: 'communities', ids: [communityId] }, (tx) =>
      tx
        .select()
        .from(pluginInstalls)
        .where(and(eq(pluginInstalls.communityId, communityId), eq(pluginInstalls.pluginId, pluginId))),
    ).then(([r]) => (r ? (r as InstallRow) : null));
    row.catch(() => this.#installs.delete(key));
    this.#installs.set(key, { at: now, row });
    return row;
  }

  /** Forgets cached install rows after a lifecycle change (this process) so the next call reads the new state. */
  forget(communityId: string, pluginId: string): void {
    this.#installs.delete(`${communityId}/${pluginId}`);
    this.#enabled.delete(communityId);
  }

  /** The enabled apps of a community with their packages (cached like install rows): who gets its events. */
  enabledIn(communityId: string): Promise<Array<{ install: InstallRow; pkg: PluginPackage }>> {
    const now = Date.now();
    const hit = this.#enabled.get(communityId);
    if (hit && now - hit.at < (this.#opts.installTtlMs ?? 2000)) return hit.list;
    const list = withScope(this.#database.db, { kind: 'communities', ids: [communityId] }, (tx) =>
      tx
        .select()
        .from(pluginInstalls)
        .where(and(eq(pluginInstalls.communityId, communityId), eq(pluginInstalls.state, 'enabled'))),
    ).then(async (rows) => {
      const out: Array<{ install: InstallRow; pkg: PluginPackage }> = [];
      for (const r of rows) {
        const pkg = await this.package(r.pluginId, r.version);
        if (pkg) out.push({ install: r as InstallRow, pkg });
      }
      return out;
    });
    list.catch(() => this.#enabled.delete(communityId));
    this.#enabled.set(communityId, { at: now, list });
    return list;
  }

  /** A community's code by id (bus events and jobs carry ids; handlers see codes). */
  async communityCode(id: string): Promise<string> {
    let code = this.#codes.get(id);
    if (!code) {
      const [r] = await this.#database.db.select({ code: regions.code }).from(regions).where(eq(regions.id, id));
      if (!r) throw new AppError('NOT_FOUND', { zh: '社区不存在', en: `No community ${id}` });
      code = r.code;
      this.#codes.set(id, code);
    }
    return code;
  }

  async invoke(req: InvokeInput): Promise<unknown> {
    const install = await this.install(req.community.id, req.pluginId);
    if (install?.state !== 'enabled') {
      throw new AppError('NOT_FOUND', {
        zh: '本社区没有启用该应用',
        en: `The app ${req.pluginId} is not enabled in this community`,
      });
    }
    const pkg = await this.package(install.pluginId, install.version);
    if (!pkg)
      throw new AppError('INTERNAL', { zh: '应用安装包缺失', en: 'The installed package is missing', isPublic: false });
    checkCall(pkg.manifest, req.handler, req.input, req.user, req.via);
    const call: BridgeCall = {
      communityId: req.community.id,
      communityCode: req.community.code,
      plugin: { id: pkg.pluginId, version: pkg.version },
      user: req.user,
    };
    const started = performance.now();
    const outcome = await this.pool.invoke({
      key: `${pkg.pluginId}@${pkg.version}`,
      code: () => pkg.bundle,
      context: req.community.id,
      handler: req.handler,
      input: req.input,
      meta: {
        community: { id: req.community.id, code: req.community.code },
        plugin: { id: pkg.pluginId, version: pkg.version },
        user: req.user,
        settings: install.settings,
        locale: req.locale === 'en' ? 'en' : 'zh-CN',
      },
      limits: this.#opts.limits,
      bridge: bridgeFor(this.#env(call, pkg, install)),
    });
    // An app's own answer (invalid input, not found…) is a result, not a failure of the version.
    const failed =
      !outcome.ok && !(outcome.error.kind === 'app' && passThrough.app.includes(outcome.error.code as ErrorCode));
    this.metrics.record(
      req.community.id,
      pkg.pluginId,
      pkg.version,
      req.handler,
      performance.now() - started,
      !failed,
      Date.now(),
      req.user?.id,
    );
    for (const [level, text] of outcome.logs) this.#log[level]({ plugin: pkg.pluginId, version: pkg.version }, text);
    if (outcome.ok) return outcome.value;
    this.#log.warn(
      { plugin: pkg.pluginId, version: pkg.version, handler: req.handler, failure: outcome.error },
      'plugin call failed',
    );
    throw failureToError(pkg, outcome.error);
  }

  #env(call: BridgeCall, pkg: PluginPackage, install: InstallRow): BridgeEnv {
    const db = this.#database.db;
    const subjectId = pkg.pluginId.replace(/[^a-z0-9-]/g, '_');
    return {
      call,
      manifest: pkg.manifest,
      grants: install.grants,
      collections: new Collections(
        pkg.manifest.collections,
        new SqlRecordStore(db, call.communityId, pkg.pluginId),
        pkg.version,
      ),
      capabilities: this.#capabilities,
      emit: async (event, payload) => {
        await withScope(db, { kind: 'communities', ids: [call.communityId] }, (tx) =>
          enqueue(tx, {
            subject: `shequ.app.${subjectId}.${event}`,
            communityId: call.communityId,
            data: { plugin: pkg.pluginId, version: pkg.version, payload },
          }),
        );
      },
      fetch: (url, init) => limitedFetch(this.#opts.fetch ?? fetch, url, init),
      audit: (entry) => this.#audit.add(entry),
    };
  }

  /** Writes the handler metrics counted since the last flush. */
  flushMetrics(): Promise<void> {
    return this.metrics.flush(this.#database.db);
  }

  /** Writes bridge audit entries still waiting in the batch. */
  flushAudit(): Promise<void> {
    return this.#audit.flush();
  }

  async close(): Promise<void> {
    await this.flushMetrics().catch((err) => this.#log.error({ err }, 'handler metrics flush failed at close'));
    await this.#audit.close();
  }
}

import { fileURLToPath } from 'node:url';
import { AppError, type AuditEntry } from '@shequ/core';
import {
  type BridgeCall,
  bridgeFor,
  Collections,
  checkCall,
  failureToError,
  type HttpAnswer,
  type LogLine,
  MemoryRecordStore,
  type SandboxLimits,
  SandboxPool,
  type StoredRecord,
} from '@shequ/runtime';
import type { PluginManifest } from '@shequ/schemas';
import { bundlePlugin } from '../bundle.ts';
import type { PluginUser } from '../context.ts';
import { formatProjectProblem, loadProject } from '../project.ts';
import {
  accessFakes,
  bookingFakes,
  defaultDataFakes,
  defaultServiceFakes,
  deviceFakes,
  esignFakes,
  eventsFakes,
  type Fake,
  fakeCapabilities,
  paymentFakes,
  pointsFakes,
  type RecordedCall,
} from './fakes.ts';
import { testUsers } from './test-users.ts';

export { testUsers };

/** What the operator granted the app in the test community; by default everything the manifest asks for. */
export interface TestGrants {
  services: Record<string, string[]>;
  data: string[];
  hosts: string[];
}

/** Options of {@link createTestHost}. */
export interface TestHostOptions {
  /** The plugin folder (default: `SHEQU_PLUGIN_DIR`, set by `shequ-plugin test`, else the working directory). */
  dir?: string | URL;
  /** Instead of a folder: a manifest and a bundle (already built). */
  manifest?: PluginManifest;
  bundle?: string;
  /** Records to seed by collection; validated like any write. `id` and `createdAt` may be given to refer to them. */
  fixtures?: Record<string, Record<string, unknown>[]>;
  /** Grants of the test community; by default all that the manifest asks for. */
  grants?: Partial<TestGrants>;
  /** The test community (default `{ id: '00000000-0000-4000-8000-00000000c0de', code: 'test' }`). */
  community?: { id: string; code: string };
  /** Settings of the install. */
  settings?: Record<string, unknown>;
  /** The caller's locale as `ctx.locale` (`zh-CN` or `en`); unset by default. */
  locale?: string;
  /** Fakes for service actions by `service.action`, replacing the defaults. */
  services?: Record<string, Fake>;
  /** Fakes for data scopes, replacing the defaults (an empty community). */
  data?: Record<string, Fake>;
  /** Answers for `ctx.http.fetch`; without it outbound calls fail (tests never leave the machine). */
  fetch?: (
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ) => HttpAnswer | Promise<HttpAnswer>;
  /** Sandbox limits (the platform's defaults otherwise). */
  limits?: Partial<SandboxLimits>;
  /**
   * A sandbox pool to run the handlers in, left open on close (the platform's, when its review runs a package's
   * tests); by default the host starts its own sandbox process and stops it on close.
   */
  pool?: SandboxPool;
}

/** Who calls: a role (a fixed test user of that role), a user, or null for a system call (bus event, job). */
export type TestCaller = 'resident' | 'operator' | PluginUser | null;

/** Options of one {@link TestHost.call}. */
export interface CallOptions {
  /** Default `resident`. Page calls are checked against the handler's `roles`; `null` skips the check. */
  user?: TestCaller;
}

/** A running test host; close it when done (it owns a sandbox process). */
export interface TestHost {
  /** The manifest under test (pages from `src/pages.ts` merged in). */
  readonly manifest: PluginManifest;
  /** Calls a handler in the real sandbox; resolves to its result or rejects with the error users would see. */
  call<T = unknown>(handler: string, input?: unknown, opts?: CallOptions): Promise<T>;
  /** The stored records of a collection, oldest first. */
  records(collection: string): StoredRecord[];
  /** Service calls that passed the bridge, in order. */
  readonly calls: RecordedCall[];
  /** Events emitted, in order. */
  readonly events: { event: string; payload: unknown }[];
  /** Bridge audit entries, in order (denied calls included). */
  readonly audit: AuditEntry[];
  /** Log lines of every call, in order. */
  readonly logs: LogLine[];
  /** Stops the sandbox process. */
  close(): Promise<void>;
}

const systemFields = ['id', 'createdAt', 'updatedAt'];
let hostCount = 0;

async function resolveSource(opts: TestHostOptions): Promise<{ manifest: PluginManifest; bundle: string }> {
  if (opts.manifest && opts.bundle) return { manifest: opts.manifest, bundle: opts.bundle };
  const raw = opts.dir ?? process.env.SHEQU_PLUGIN_DIR ?? process.cwd();
  const dir = raw instanceof URL ? fileURLToPath(raw) : raw;
  const project = await loadProject(dir);
  if (project.problems.length)
    throw new Error(`the manifest has problems:\n${project.problems.map(formatProjectProblem).join('\n')}`);
  return { manifest: project.manifest, bundle: (await bundlePlugin(dir)).code };
}

function defaultGrants(m: PluginManifest): TestGrants {
  return { services: m.permissions?.services ?? {}, data: m.permissions?.data ?? [], hosts: m.http?.hosts ?? [] };
}

/**
 * Starts a test host for a plugin: its handlers run in the platform's real sandbox (isolated-vm in a worker
 * process), and every bridge call goes through the platform's own checks — collection schemas and queries, the
 * manifest's permissions and the grants, event names, outbound hosts — against an in-memory store and fake services
 * that record what they were asked.
 *
 * @example
 * ```ts
 * const host = await createTestHost({ dir: new URL('..', import.meta.url), fixtures: { posts: [{ title: '停水通知' }] } });
 * const list = await host.call('listPosts', {}, { user: 'resident' });
 * await host.close();
 * ```
 */
export async function createTestHost(opts: TestHostOptions = {}): Promise<TestHost> {
  const { manifest, bundle } = await resolveSource(opts);
  const grants = { ...defaultGrants(manifest), ...opts.grants };
  const community = opts.community ?? { id: '00000000-0000-4000-8000-00000000c0de', code: 'test' };
  const store = new MemoryRecordStore();
  const collections = new Collections(manifest.collections, store, manifest.version);
  const calls: RecordedCall[] = [];
  const events: TestHost['events'] = [];
  const audit: AuditEntry[] = [];
  const logs: LogLine[] = [];
  const capabilities = fakeCapabilities(
    {
      ...defaultServiceFakes,
      ...pointsFakes(),
      ...eventsFakes(),
      ...bookingFakes(),
      ...accessFakes(),
      ...deviceFakes(),
      ...paymentFakes(),
      ...esignFakes(),
      ...opts.services,
    },
    { ...defaultDataFakes, ...opts.data },
    calls,
  );
  for (const [name, records] of Object.entries(opts.fixtures ?? {})) {
    for (const fixture of records) {
      const data = Object.fromEntries(Object.entries(fixture).filter(([k]) => !systemFields.includes(k)));
      const stored = (await collections.call('collections.insert', { collection: name, record: data })) as StoredRecord;
      // Fixtures may fix their id and times so tests can refer to them; the data itself was validated above.
      Object.assign(stored, Object.fromEntries(Object.entries(fixture).filter(([k]) => systemFields.includes(k))));
    }
  }
  const pool = opts.pool ?? new SandboxPool({ size: 1 });
  // Its own isolate per host, so no plugin global outlives the host even in a shared pool.
  const key = `${manifest.id}@${manifest.version}#test${++hostCount}`;
  const pkg = { pluginId: manifest.id, version: manifest.version, manifest, bundle };

  const call = async <T>(handler: string, input: unknown = {}, o: CallOptions = {}): Promise<T> => {
    const who = o.user === undefined ? 'resident' : o.user;
    const user = typeof who === 'string' ? testUsers[who] : who;
    // The platform's own checks: declared handler, the caller's role (unless user is null), the input schema.
    checkCall(manifest, handler, input, user, user ? 'page' : 'system');
    const bridgeCall: BridgeCall = {
      communityId: community.id,
      communityCode: community.code,
      plugin: { id: manifest.id, version: manifest.version },
      user,
    };
    const outcome = await pool.invoke({
      key,
      code: () => bundle,
      context: community.id,
      handler,
      input,
      meta: { community, plugin: bridgeCall.plugin, user, settings: opts.settings ?? {}, locale: opts.locale },
      limits: opts.limits,
      bridge: bridgeFor({
        call: bridgeCall,
        manifest,
        grants,
        collections,
        capabilities,
        emit: async (event, payload) => {
          events.push({ event, payload });
        },
        fetch: async (url, init) => {
          if (!opts.fetch)
            throw new AppError('NOT_FOUND', {
              zh: '测试中没有网络',
              en: `No network in tests: pass fetch to createTestHost to answer ${url.href}`,
            });
          return opts.fetch(url.href, init);
        },
        audit: (entry) => audit.push(entry),
      }),
    });
    logs.push(...outcome.logs);
    if (outcome.ok) return outcome.value as T;
    throw failureToError(pkg, outcome.error);
  };

  return {
    manifest,
    call,
    records: (collection) => structuredClone(store.data.get(collection) ?? []),
    calls,
    events,
    audit,
    logs,
    close: async () => {
      if (opts.pool) pool.unload(key);
      else await pool.close();
    },
  };
}

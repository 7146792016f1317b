/**
 * `@shequ/plugin-sdk/testing` as the plugin's tests see it when the platform runs them in the sandbox: the same
 * `createTestHost`, whose host lives outside the sandbox (the SDK's real test host, see run-tests.ts) and is reached
 * through the test channel. Data options cross as JSON; fakes given as functions (`services`, `data`, `fetch`) stay
 * here, and the host asks for them by name while a call runs (the answer to a call may be "run this fake first").
 */
import { send } from './channel.ts';

export { testUsers } from '../test-users.ts';

type Json = Record<string, unknown>;
type Fn = (...args: unknown[]) => unknown;

interface State {
  records: Record<string, Json[]>;
  calls: Json[];
  events: Json[];
  audit: Json[];
  logs: unknown[];
}

interface Answer {
  ok: boolean;
  value?: unknown;
  error?: Json;
  state: State;
  /** The host needs a fake of this test run before the call can go on. */
  fake?: { id: number; kind: 'services' | 'data' | 'fetch'; name: string; args: unknown[] };
}

/** An error with the properties the host's error had (`code`, `messageZh`, `fieldErrors`, …). */
function rebuild(e: Json): Error {
  const err = new Error(String(e.message ?? 'the call failed'));
  Object.assign(err, e);
  err.name = String(e.name ?? 'Error');
  return err;
}

const errorJson = (e: unknown): Json => {
  const err = e as Json;
  const out: Json = { name: String(err?.name ?? 'Error'), message: String(err?.message ?? e) };
  for (const k of ['code', 'messageZh', 'messageEn', 'fieldErrors', 'isPublic'])
    if (err && err[k] !== undefined) out[k] = err[k];
  return out;
};

function fakesOf(opts: Json) {
  const fns = { services: {} as Record<string, Fn>, data: {} as Record<string, Fn>, fetch: {} as Record<string, Fn> };
  for (const kind of ['services', 'data'] as const) {
    for (const [name, fn] of Object.entries((opts[kind] ?? {}) as Record<string, unknown>)) {
      if (typeof fn !== 'function') throw new TypeError(`createTestHost({ ${kind} }): "${name}" is not a function`);
      fns[kind][name] = fn as Fn;
    }
  }
  if (typeof opts.fetch === 'function') fns.fetch.fetch = opts.fetch as Fn;
  return fns;
}

let calls = 0;

export async function createTestHost(opts: Json = {}) {
  const fns = fakesOf(opts);
  const { dir: _dir, manifest: _m, bundle: _b, services: _s, data: _d, fetch: _f, ...rest } = opts;
  const fakes = { services: Object.keys(fns.services), data: Object.keys(fns.data), fetch: 'fetch' in fns.fetch };
  const created = await send<{ host: number; manifest: Json; state: State }>('create', { options: rest, fakes });
  const state = created.state;
  const apply = (s: State) => {
    state.records = s.records;
    state.calls.push(...s.calls);
    state.events.push(...s.events);
    state.audit.push(...s.audit);
    state.logs.push(...s.logs);
  };
  return {
    manifest: created.manifest,
    async call<T = unknown>(handler: string, input: unknown = {}, o: { user?: unknown } = {}): Promise<T> {
      const token = ++calls;
      let a = await send<Answer>('call', { host: created.host, token, handler, input, user: o.user });
      while (a.fake) {
        const { id, kind, name, args } = a.fake;
        let result: Json;
        try {
          result = { ok: true, value: await fns[kind][name](...args) };
        } catch (e) {
          result = { ok: false, error: errorJson(e) };
        }
        a = await send<Answer>('fake', { host: created.host, token, id, result });
      }
      apply(a.state);
      if (!a.ok) throw rebuild(a.error ?? {});
      return a.value as T;
    },
    records: (collection: string) => JSON.parse(JSON.stringify(state.records[collection] ?? [])),
    calls: state.calls,
    events: state.events,
    audit: state.audit,
    logs: state.logs,
    close: () => send<void>('close', { host: created.host }),
  };
}

const notHere = (name: string) => () => {
  throw new Error(`${name} is not available when the platform runs the tests in the sandbox`);
};
export const accessFakes = notHere('accessFakes');
export const bookingFakes = notHere('bookingFakes');
export const deviceFakes = notHere('deviceFakes');
export const createPaymentFakes = notHere('createPaymentFakes');
export const esignFakes = notHere('esignFakes');
export const eventsFakes = notHere('eventsFakes');
export const paymentFakes = notHere('paymentFakes');
export const pointsFakes = notHere('pointsFakes');
export const defaultDataFakes = {};
export const defaultServiceFakes = {};
export class EsignFakeStore {
  constructor() {
    notHere('EsignFakeStore')();
  }
}

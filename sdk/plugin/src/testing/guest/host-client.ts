/**
 * `@shequ/plugin-sdk/testing` as the plugin's tests see it when the platform runs them in the sandbox: the same
 * `createTestHost`, whose host lives outside the sandbox (the SDK's real test host, see run-tests.ts) and is reached
 * through the test channel. Options cross as JSON, so fakes given as functions (`services`, `data`, `fetch`) are
 * refused with a clear message rather than silently dropped.
 */
import { send } from './channel.ts';

export { testUsers } from '../test-users.ts';

type Json = Record<string, unknown>;

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
}

/** An error with the properties the host's error had (`code`, `messageZh`, `fieldErrors`, …). */
function rebuild(e: Json): Error {
  const err = new Error(String(e.message ?? 'the call failed'));
  Object.assign(err, e);
  err.name = String(e.name ?? 'Error');
  return err;
}

export async function createTestHost(opts: Json = {}) {
  for (const k of ['services', 'data', 'fetch'])
    if (opts[k] !== undefined)
      throw new Error(
        `createTestHost({ ${k} }) takes functions, which the platform cannot pass into the sandboxed test run; ` +
          'these tests run with `shequ-plugin test` only',
      );
  const { dir: _dir, manifest: _m, bundle: _b, ...rest } = opts;
  const created = await send<{ host: number; manifest: Json; state: State }>('create', { options: rest });
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
      const a = await send<Answer>('call', { host: created.host, handler, input, user: o.user });
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

import { AppError } from '@shequ/core';
import type { BridgeCall, Capabilities, CapabilityAction } from '@shequ/runtime';

/** A shared-service call a handler made, as the test host recorded it (after the bridge allowed it). */
export interface RecordedCall {
  service: string;
  action: string;
  args: unknown;
  user: BridgeCall['user'];
}

/** A fake for one service action or data scope: gets the arguments and who is calling, returns the result. */
export type Fake = (args: unknown, call: BridgeCall) => unknown | Promise<unknown>;

const invalid = (what: string, field: string, message: string) =>
  new AppError('INVALID_INPUT', {
    zh: `${what}的参数有误`,
    en: `Invalid arguments for ${what}`,
    fieldErrors: { [field]: [message] },
  });

const isText = (v: unknown) => {
  const t = v as { zh?: unknown; en?: unknown } | null;
  return (
    typeof t === 'object' &&
    t !== null &&
    typeof t.zh === 'string' &&
    t.zh !== '' &&
    typeof t.en === 'string' &&
    t.en !== ''
  );
};
const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Default fakes: they check arguments the way the platform's services do and answer what those answer. */
export const defaultServiceFakes: Record<string, Fake> = {
  'message.send': (args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    if (typeof a.userId !== 'string' || !uuidRe.test(a.userId))
      throw invalid('message.send', 'userId', 'must be a UUID');
    if (!isText(a.text)) throw invalid('message.send', 'text', 'must be { zh, en } with both texts');
    return { sent: true };
  },
  'audit.record': (args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    if (typeof a.action !== 'string' || !/^[a-z][a-z0-9.-]{1,63}$/.test(a.action))
      throw invalid('audit.record', 'action', 'must be lower-case words joined by dots or dashes');
    return { recorded: true };
  },
};

/** Default data scopes: an empty community. */
export const defaultDataFakes: Record<string, Fake> = {
  'people:read-masked': () => ({ items: [], nextCursor: null }),
  'stats:read': () => ({
    totals: { people: 0, houses: 0, vehicles: 0, spaces: 0, facilities: 0 },
    byCompound: [],
    byCategory: [],
    keyCare: [],
    ageBands: [],
    vehiclesByEnergy: [],
    facilitiesByStatus: [],
  }),
  'map:read': () => ({ type: 'FeatureCollection', features: [] }),
};

/** Capabilities built from fakes; service calls are recorded in `calls` before the fake runs. */
export function fakeCapabilities(
  services: Record<string, Fake>,
  data: Record<string, Fake>,
  calls: RecordedCall[],
): Capabilities {
  const wrap =
    (fn: Fake): CapabilityAction =>
    async (call, args) =>
      fn(args, call);
  return {
    services: new Map(
      Object.entries(services).map(([name, fn]) => {
        const [service, action] = name.split('.');
        const recorded: CapabilityAction = async (call, args) => {
          calls.push({ service, action, args: structuredClone(args), user: call.user });
          return fn(args, call);
        };
        return [name, recorded];
      }),
    ),
    data: new Map(Object.entries(data).map(([scope, fn]) => [scope, wrap(fn)])),
  };
}

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

/**
 * Fakes of the points service over an in-memory ledger (one per test host): the pool awards, a resident spends only
 * on their own call and never below zero, and a repeated key answers the first result, as on the platform.
 */
export function pointsFakes(): Record<string, Fake> {
  const balances = new Map<string, number>();
  const done = new Map<string, unknown>();
  const move = (args: unknown, what: string) => {
    const a = (args ?? {}) as Record<string, unknown>;
    if (typeof a.userId !== 'string' || !uuidRe.test(a.userId)) throw invalid(what, 'userId', 'must be a UUID');
    if (!Number.isInteger(a.amount) || (a.amount as number) < 1 || (a.amount as number) > 1_000_000)
      throw invalid(what, 'amount', 'must be a whole number from 1 to 1,000,000');
    if (typeof a.reason !== 'string' || !a.reason.trim()) throw invalid(what, 'reason', 'is required');
    if (typeof a.key !== 'string' || !/^[\w:.-]{1,100}$/.test(a.key))
      throw invalid(what, 'key', 'must be 1–100 letters, digits, _ : . or -');
    return a as { userId: string; amount: number; reason: string; key: string };
  };
  return {
    'points.balance': (args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      if (typeof a.userId !== 'string' || !uuidRe.test(a.userId))
        throw invalid('points.balance', 'userId', 'must be a UUID');
      return { balance: balances.get(a.userId) ?? 0 };
    },
    'points.award': (args) => {
      const a = move(args, 'points.award');
      if (done.has(a.key)) return { ...(done.get(a.key) as object), replayed: true };
      const balance = (balances.get(a.userId) ?? 0) + a.amount;
      balances.set(a.userId, balance);
      const out = { transferId: `fake-${done.size + 1}`, balance, replayed: false };
      done.set(a.key, out);
      return out;
    },
    'points.spend': (args, call) => {
      const a = move(args, 'points.spend');
      if (call.user?.id !== a.userId)
        throw new AppError('FORBIDDEN', {
          zh: '只能在居民本人操作时扣减其积分',
          en: "An app spends a resident's points only on that resident's own call",
        });
      if (done.has(a.key)) return { ...(done.get(a.key) as object), replayed: true };
      const have = balances.get(a.userId) ?? 0;
      if (have < a.amount)
        throw new AppError('CONFLICT', { zh: `余额不足：现有 ${have}`, en: `Insufficient balance: ${have} available` });
      balances.set(a.userId, have - a.amount);
      const out = { transferId: `fake-${done.size + 1}`, balance: have - a.amount, replayed: false };
      done.set(a.key, out);
      return out;
    },
  };
}

/**
 * Fakes of the event service (one per test host): `events.report` checks the arguments as the platform does, opens
 * an event in the workflow's initial state once per key, and `events.get` reads back only events reported here.
 */
export function eventsFakes(): Record<string, Fake> {
  const byKey = new Map<string, { id: string; state: string; version: number; createdAt: string }>();
  const byId = new Map<string, Record<string, unknown>>();
  return {
    'events.report': (args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      if (typeof a.key !== 'string' || !/^[\w:.-]{1,100}$/.test(a.key))
        throw invalid('events.report', 'key', 'must be 1–100 letters, digits, _ : . or -');
      if (typeof a.type !== 'string' || !/^[a-z][a-z0-9._-]{0,39}$/.test(a.type))
        throw invalid('events.report', 'type', 'must be 1–40 lower-case letters, digits, . _ or -');
      if (typeof a.title !== 'string' || !a.title.trim() || a.title.length > 100)
        throw invalid('events.report', 'title', 'must be 1–100 characters');
      const photos = (a.photos ?? []) as unknown[];
      if (!Array.isArray(photos) || photos.length > 3) throw invalid('events.report', 'photos', 'at most 3');
      for (const p of photos)
        if (typeof p !== 'string' || !/^data:image\/(jpeg|png|webp);base64,/.test(p) || p.length > 2_796_300)
          throw invalid('events.report', 'photos', 'JPEG, PNG or WebP data URLs of at most 2 MB');
      const hit = byKey.get(a.key);
      if (hit) return hit;
      const wf = a.workflow as { initial?: string } | undefined;
      const out = {
        id: `00000000-0000-4000-8000-${String(byKey.size + 1).padStart(12, '0')}`,
        state: wf?.initial ?? 'reported',
        version: 0,
        createdAt: new Date().toISOString(),
      };
      byKey.set(a.key, out);
      byId.set(out.id, {
        ...out,
        type: a.type,
        title: a.title,
        severity: a.severity ?? 'normal',
        rating: null,
        updatedAt: out.createdAt,
        history: [{ action: 'report', from: null, to: out.state, at: out.createdAt }],
      });
      return out;
    },
    'events.get': (args) => {
      const id = (args as { id?: unknown } | null)?.id;
      const e = typeof id === 'string' ? byId.get(id) : undefined;
      if (!e) throw new AppError('NOT_FOUND', { zh: '本应用没有该事件', en: 'No such event of this app' });
      return e;
    },
  };
}

/**
 * Fakes of the booking service: one bookable space (`00000000-0000-4000-8000-0000000000b1`, 活动室) open 08:00–20:00
 * in hourly slots of capacity 1. A held slot is refused to the next caller with CONFLICT, as on the platform.
 */
export function bookingFakes(): Record<string, Fake> {
  const spaceId = '00000000-0000-4000-8000-0000000000b1';
  const held = new Map<string, string>();
  const dayRe = /^\d{4}-\d{2}-\d{2}$/;
  const slotsOf = (day: string) =>
    Array.from({ length: 12 }, (_, i) => {
      const start = new Date(`${day}T${String(8 + i).padStart(2, '0')}:00:00+08:00`);
      const end = new Date(start.getTime() + 3_600_000);
      const label = `${String(8 + i).padStart(2, '0')}:00–${String(9 + i).padStart(2, '0')}:00`;
      return { start: start.toISOString(), end: end.toISOString(), label };
    });
  const space = (id: unknown, what: string) => {
    if (typeof id !== 'string' || !uuidRe.test(id)) throw invalid(what, 'spaceId', 'must be a UUID');
    if (id !== spaceId) throw new AppError('NOT_FOUND', { zh: '可预约场地不存在', en: 'Bookable space not found' });
  };
  return {
    'booking.spaces': () => [
      {
        spaceId,
        name: '活动室',
        useType: '活动室',
        location: null,
        slotMinutes: 60,
        capacity: 1,
        feeFen: 0,
        rules: null,
      },
    ],
    'booking.availability': (args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      space(a.spaceId, 'booking.availability');
      if (typeof a.day !== 'string' || !dayRe.test(a.day)) throw invalid('booking.availability', 'day', 'yyyy-MM-dd');
      const slots = slotsOf(a.day).map((s) => {
        const taken = held.has(s.start) ? 1 : 0;
        return { ...s, free: 1 - taken, taken, status: taken ? 'taken' : 'free' };
      });
      return { spaceId, name: '活动室', day: a.day, capacity: 1, feeFen: 0, rules: null, slots };
    },
    'booking.hold': (args, call) => {
      const a = (args ?? {}) as Record<string, unknown>;
      space(a.spaceId, 'booking.hold');
      if (!call.user)
        throw new AppError('FORBIDDEN', {
          zh: '只能在居民本人操作时为其保留时段',
          en: 'An app holds a slot only on a signed-in resident’s own call',
        });
      const start = typeof a.start === 'string' ? new Date(a.start) : null;
      const slot =
        start && !Number.isNaN(start.getTime())
          ? slotsOf(start.toISOString().slice(0, 10)).find((s) => s.start === start.toISOString())
          : undefined;
      if (!slot) throw invalid('booking.hold', 'start', 'is not a slot of this space');
      if (held.has(slot.start))
        throw new AppError('CONFLICT', {
          zh: `该时段（${slot.label}）已被预约，请选择其他时段`,
          en: `This slot (${slot.label}) is already booked; choose another one`,
        });
      const bookingId = `fake-booking-${held.size + 1}`;
      held.set(slot.start, bookingId);
      return {
        bookingId,
        start: slot.start,
        end: slot.end,
        holdExpiresAt: new Date(Date.now() + 600_000).toISOString(),
        feeFen: 0,
      };
    },
  };
}

/**
 * Fakes of the device service over `devices` a test sets up (each with its product's `model` and latest
 * `properties`): reads answer them; `device.invoke` refuses a resident's call as the platform does, checks that the
 * device exists and records the command in `commands` for the test to inspect.
 */
export function deviceFakes(
  devices: {
    productKey: string;
    deviceName: string;
    nickname?: string;
    online?: boolean;
    properties?: Record<string, unknown>;
  }[] = [],
  commands: { productKey: string; deviceName: string; set?: unknown; service?: string; params?: unknown }[] = [],
): Record<string, Fake> {
  const find = (a: { productKey?: unknown; deviceName?: unknown }) => {
    const d = devices.find((x) => x.productKey === a.productKey && x.deviceName === a.deviceName);
    if (!d)
      throw new AppError('NOT_FOUND', {
        zh: `设备 ${String(a.productKey)}/${String(a.deviceName)} 不存在`,
        en: `Device ${String(a.productKey)}/${String(a.deviceName)} not found`,
      });
    return d;
  };
  const summary = (d: (typeof devices)[number]) => ({
    productKey: d.productKey,
    deviceName: d.deviceName,
    nickname: d.nickname ?? null,
    status: d.online ? 'online' : 'offline',
    online: Boolean(d.online),
    lastOnlineAt: null,
  });
  return {
    'device.products': () =>
      [...new Set(devices.map((d) => d.productKey))].map((productKey) => ({
        productKey,
        name: productKey,
        nodeType: 'device',
        model: { properties: [], services: [], events: [] },
      })),
    'device.list': (args) => {
      const a = (args ?? {}) as { productKey?: string };
      if (typeof a.productKey !== 'string') throw invalid('device.list', 'productKey', 'is required');
      return devices.filter((d) => d.productKey === a.productKey).map(summary);
    },
    'device.properties': (args) => {
      const d = find((args ?? {}) as Record<string, unknown>);
      const time = Date.now();
      return {
        online: Boolean(d.online),
        status: d.online ? 'online' : 'offline',
        properties: Object.fromEntries(Object.entries(d.properties ?? {}).map(([k, value]) => [k, { value, time }])),
      };
    },
    'device.invoke': (args, call) => {
      if (call.user && call.user.role !== 'operator')
        throw new AppError('FORBIDDEN', {
          zh: '应用只能在运营人员操作或自身定时任务、事件处理中控制设备',
          en: "An app commands devices only on an operator's call or in its own jobs and event handlers",
        });
      const a = (args ?? {}) as {
        productKey: string;
        deviceName: string;
        set?: unknown;
        service?: string;
        params?: unknown;
      };
      find(a);
      if (a.set === undefined && typeof a.service !== 'string')
        throw invalid('device.invoke', 'set', 'a property set or a service is required');
      commands.push({
        productKey: a.productKey,
        deviceName: a.deviceName,
        set: a.set,
        service: a.service,
        params: a.params,
      });
      return { commandId: `fake-command-${commands.length}`, queued: true };
    },
  };
}

/**
 * Fakes of the access service: `access.invite` issues passes in memory with the platform's checks (the resident's
 * own call, a window in the future of at most 7 days); `access.passes` answers `records` (gate passes a test sets
 * up), a resident only those of her own passes, as on the platform.
 */
export function accessFakes(
  records: { visitorPassId: string | null; [k: string]: unknown }[] = [],
): Record<string, Fake> {
  const owners = new Map<string, string>();
  return {
    'access.invite': (args, call) => {
      const a = (args ?? {}) as Record<string, unknown>;
      if (call.user?.role !== 'resident')
        throw new AppError('FORBIDDEN', {
          zh: '只能在居民本人操作时为其邀请访客',
          en: 'An app invites a visitor only on a signed-in resident’s own call',
        });
      if (typeof a.visitorName !== 'string' || !a.visitorName.trim())
        throw invalid('access.invite', 'visitorName', 'is required');
      const from = Date.parse(String(a.validFrom));
      const until = Date.parse(String(a.validUntil));
      if (Number.isNaN(from)) throw invalid('access.invite', 'validFrom', 'must be an ISO 8601 instant');
      if (Number.isNaN(until)) throw invalid('access.invite', 'validUntil', 'must be an ISO 8601 instant');
      if (until <= from || until <= Date.now() || until - from > 7 * 86_400_000)
        throw new AppError('INVALID_INPUT', { zh: '有效期不正确', en: 'The validity window is not valid' });
      const n = owners.size + 1;
      const passId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      owners.set(passId, call.user.id);
      return {
        passId,
        token: `SQV1.fake-${n}`,
        code: String(10_000_000 + n),
        validFrom: new Date(from).toISOString(),
        validUntil: new Date(until).toISOString(),
        maxEntries: typeof a.maxEntries === 'number' ? a.maxEntries : 1,
      };
    },
    'access.passes': (args, call) => {
      const a = (args ?? {}) as { limit?: number };
      const user = call.user;
      if (!user)
        throw new AppError('FORBIDDEN', {
          zh: '只能在用户本人操作时读取通行记录',
          en: 'An app reads pass records only on a signed-in user’s own call',
        });
      const visible = records.filter(
        (r) => user.role === 'operator' || (r.visitorPassId !== null && owners.get(r.visitorPassId) === user.id),
      );
      return { items: visible.slice(0, a.limit ?? 50), nextCursor: null };
    },
  };
}

/**
 * The fake e-signature service's contracts. `sign(documentId)` plays the resident signing in 待签合同 (an app never
 * signs), so a test can check what the app does once a contract is signed.
 */
export class EsignFakeStore {
  readonly docs = new Map<
    string,
    { plugin: string; status: string; sentAt: string; expiresAt: string; signedAt: string | null }
  >();
  sign(documentId: string): void {
    const d = this.docs.get(documentId);
    if (!d) throw new Error(`no fake contract ${documentId}`);
    d.status = 'signed';
    d.signedAt = new Date().toISOString();
  }
}

/**
 * Fakes of the e-signature service: one contract template (`00000000-0000-4000-8000-0000000000e1`, variable `name`
 * required). Contracts start `sent`. The same call rules as the platform: the signing resident's own call or an
 * operator's; `status` answers only for contracts this app created.
 */
export function esignFakes(store = new EsignFakeStore()): Record<string, Fake> {
  const templateId = '00000000-0000-4000-8000-0000000000e1';
  const docs = store.docs;
  return {
    'esign.createDocument': (args, call) => {
      const a = (args ?? {}) as Record<string, unknown>;
      if (typeof a.signerUserId !== 'string' || !uuidRe.test(a.signerUserId)) {
        throw invalid('esign.createDocument', 'signerUserId', 'must be a UUID');
      }
      if (!call.user || (call.user.role !== 'operator' && call.user.id !== a.signerUserId)) {
        throw new AppError('FORBIDDEN', {
          zh: '应用只能在居民本人或工作人员操作时发送合同',
          en: 'An app sends a contract only on the signing resident’s own call or an operator’s call',
        });
      }
      if (a.templateId !== templateId)
        throw new AppError('NOT_FOUND', { zh: '合同模板不存在', en: 'Contract template not found' });
      const values = (a.values ?? {}) as Record<string, unknown>;
      if (typeof values.name !== 'string' || !values.name.trim()) {
        throw new AppError('INVALID_INPUT', {
          zh: '请填写：name',
          en: 'Please fill in: name',
          fieldErrors: { values: ['name'] },
        });
      }
      const documentId = `00000000-0000-4000-8000-${String(docs.size + 1).padStart(12, '0')}`;
      const sentAt = new Date().toISOString();
      const expiresAt = new Date(Date.now() + 14 * 86_400_000).toISOString();
      docs.set(documentId, { plugin: call.plugin.id, status: 'sent', sentAt, expiresAt, signedAt: null });
      return { documentId, status: 'sent', expiresAt };
    },
    'esign.status': (args, call) => {
      const id = (args as { documentId?: unknown } | null)?.documentId;
      const d = typeof id === 'string' ? docs.get(id) : undefined;
      if (!d || d.plugin !== call.plugin.id) {
        throw new AppError('NOT_FOUND', {
          zh: '合同不存在或不是本应用创建的',
          en: 'No such contract created by this app',
        });
      }
      return {
        documentId: id,
        status: d.status,
        sentAt: d.sentAt,
        expiresAt: d.expiresAt,
        signedAt: d.signedAt,
        signedSha256: d.signedAt ? 'f'.repeat(64) : null,
      };
    },
  };
}

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

/**
 * Fakes of the payment service over in-memory orders (one set per test host): `payment.createOrder` only on a
 * resident's own call, integer fen, one order per reference; `payment.status` answers only this app's orders. A test
 * moves an order on with `pay(orderId)` / `refund(orderId, fen)` (what the resident and the operator do on the
 * platform). `paymentFakes()` is the fakes alone, as the test host installs them.
 */
export function createPaymentFakes(): {
  fakes: Record<string, Fake>;
  pay(orderId: string): void;
  refund(orderId: string, fen: number): void;
} {
  type Order = {
    orderId: string;
    subject: string;
    amountFen: number;
    paidFen: number;
    refundedFen: number;
    status: string;
    app: string;
  };
  const orders = new Map<string, Order>();
  const byRef = new Map<string, string>();
  const view = ({ app: _app, ...o }: Order) => ({ ...o });
  const find = (orderId: string) => {
    const o = orders.get(orderId);
    if (!o) throw new AppError('NOT_FOUND', { zh: '订单不存在', en: 'Order not found' });
    return o;
  };
  const fakes: Record<string, Fake> = {
    'payment.createOrder': (args, call) => {
      const a = (args ?? {}) as Record<string, unknown>;
      if (typeof a.subject !== 'string' || a.subject.trim() === '' || a.subject.length > 128)
        throw invalid('payment.createOrder', 'subject', '1–128 characters');
      if (
        typeof a.amountFen !== 'number' ||
        !Number.isSafeInteger(a.amountFen) ||
        a.amountFen <= 0 ||
        a.amountFen > 10_000_000_000
      )
        throw invalid('payment.createOrder', 'amountFen', 'a positive whole number of fen, at most 10000000000');
      if (typeof a.reference !== 'string' || a.reference.trim() === '' || a.reference.length > 128)
        throw invalid('payment.createOrder', 'reference', '1–128 characters');
      if (!call.user)
        throw new AppError('FORBIDDEN', {
          zh: '只能在居民本人操作时为其创建订单',
          en: 'An app creates an order only on a signed-in resident’s own call',
        });
      const key = `${call.plugin.id}:${a.reference}`;
      const seen = byRef.get(key);
      if (seen) return view(find(seen));
      const orderId = `00000000-0000-4000-8000-${String(orders.size + 1).padStart(12, '0')}`;
      const o = {
        orderId,
        subject: a.subject.trim(),
        amountFen: a.amountFen,
        paidFen: 0,
        refundedFen: 0,
        status: 'open',
        app: call.plugin.id,
      };
      orders.set(orderId, o);
      byRef.set(key, orderId);
      return view(o);
    },
    'payment.status': (args, call) => {
      const a = (args ?? {}) as Record<string, unknown>;
      if (typeof a.orderId !== 'string' || !uuidRe.test(a.orderId))
        throw invalid('payment.status', 'orderId', 'must be a UUID');
      const o = orders.get(a.orderId);
      if (!o || o.app !== call.plugin.id) throw new AppError('NOT_FOUND', { zh: '订单不存在', en: 'Order not found' });
      return view(o);
    },
  };
  return {
    fakes,
    pay(orderId) {
      const o = find(orderId);
      o.paidFen = o.amountFen;
      o.status = 'paid';
    },
    refund(orderId, fen) {
      const o = find(orderId);
      if (fen <= 0 || o.refundedFen + fen > o.paidFen) throw new Error('refund above what was paid');
      o.refundedFen += fen;
      o.status = o.refundedFen === o.paidFen ? 'refunded' : 'partially_refunded';
    },
  };
}

/** The payment fakes without their controls (what the test host installs by default). */
export const paymentFakes = (): Record<string, Fake> => createPaymentFakes().fakes;

// The sandbox process: runs plugin handlers in isolated-vm isolates and relays their bridge calls to the host over
// IPC. The host restarts it when it dies, so a plugin can never take the API process down with it.
import { Isolates } from './isolates.ts';
import type { FromWorker, GuestFailure, ToWorker } from './protocol.ts';

const send = (m: FromWorker) => process.send?.(m);

interface Pending {
  resolve: (text: string) => void;
}

const bridgeCalls = new Map<number, Pending>();
const budgets = new Map<number, { left: number; maxPayload: number }>();
let nextCall = 1;

const answer = (ok: boolean, value?: string, error?: GuestFailure) => JSON.stringify({ ok, value, error });

const isolates = new Isolates((invocation, op, args) => {
  const budget = budgets.get(invocation);
  if (!budget) return Promise.resolve(answer(false, undefined, { kind: 'error', message: 'the invocation has ended' }));
  if (budget.left <= 0) {
    return Promise.resolve(
      answer(false, undefined, {
        kind: 'bridge-flood',
        code: 'RATE_LIMITED',
        message: 'too many bridge calls',
        zh: '应用在一次调用中访问平台能力的次数超出上限',
        en: 'The app made more bridge calls in one invocation than allowed',
      }),
    );
  }
  budget.left--;
  if (args.length > budget.maxPayload) {
    return Promise.resolve(
      answer(false, undefined, {
        kind: 'payload',
        code: 'INVALID_INPUT',
        message: 'bridge payload too large',
        zh: '应用传给平台的数据过大',
        en: `The app sent more than ${budget.maxPayload} bytes in one bridge call`,
      }),
    );
  }
  const callId = nextCall++;
  return new Promise<string>((resolve) => {
    bridgeCalls.set(callId, { resolve });
    send({ t: 'bridge', id: invocation, callId, op, args });
  });
});

process.on('message', (raw) => {
  const m = raw as ToWorker;
  switch (m.t) {
    case 'invoke': {
      if (m.code !== undefined) isolates.setCode(m.key, m.code);
      if (!isolates.has(m.key)) {
        send({
          t: 'result',
          id: m.id,
          ok: false,
          error: { kind: 'crash', message: 'code not loaded' },
          logs: [],
          cpuUs: 0,
        });
        return;
      }
      budgets.set(m.id, { left: m.limits.maxBridgeCalls, maxPayload: m.limits.maxPayloadBytes });
      const run =
        m.handler === '__handlers'
          ? isolates.handlers(m.key, m.limits).then((names) => ({
              ok: true as const,
              value: JSON.stringify(names),
              logs: [],
              cpuUs: 0,
            }))
          : isolates.invoke(m.id, m.key, m.context, m.handler, m.input, m.meta, m.limits);
      run
        .catch((err: unknown) => ({
          ok: false as const,
          error: { kind: 'error' as const, message: err instanceof Error ? err.message : String(err) },
          logs: [],
          cpuUs: 0,
        }))
        .then((outcome) => {
          budgets.delete(m.id);
          send({ t: 'result', id: m.id, ...outcome });
        });
      return;
    }
    case 'bridge-result': {
      const p = bridgeCalls.get(m.callId);
      bridgeCalls.delete(m.callId);
      p?.resolve(answer(m.ok, m.value, m.error));
      return;
    }
    case 'unload':
      isolates.unload(m.key);
      return;
    case 'stats':
      send({ t: 'stats', id: m.id, ...isolates.stats(), rssBytes: process.memoryUsage().rss });
      return;
  }
});

process.on('disconnect', () => process.exit(0));
send({ t: 'ready' });

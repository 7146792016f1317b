// The two hops of a plugin's bridge call, measured apart so a change to one can be judged on its own:
// (a) isolate → the sandbox process's main thread → isolate, in one process, with the mechanism the runtime uses and
//     the others isolated-vm offers; (b) one IPC round trip between two processes with Node's JSON channel, its
//     structured-clone channel and a pipe carrying length-prefixed frames. Variants run interleaved in rounds and are
//     compared by their medians, so a busy machine skews them alike. Bounded: about 30 s.
// Usage: node --no-node-snapshot bench/bridge-hops.ts
import { fork } from 'node:child_process';
import { Socket } from 'node:net';
import ivm from 'isolated-vm';
import { emit, median, round } from './common.ts';

const CALLS = 200;
const ROUNDS = 40;

/** Splits a byte stream into frames of `[u32 length][utf8 JSON]`. */
function frameReader(onFrame: (text: string) => void) {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 4) {
      const len = buf.readUInt32LE(0);
      if (buf.length < 4 + len) break;
      onFrame(buf.toString('utf8', 4, 4 + len));
      buf = buf.subarray(4 + len);
    }
  };
}
const frame = (text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
};

// ---- (b), child side: makes `n` sequential round trips on request and reports the time taken.
if (process.argv[2] === 'ipc-child') {
  const via = process.argv[3];
  const payload = JSON.stringify({ collection: 'notices', id: '00000000-0000-4000-8000-000000000001' });
  let waiting: ((text: string) => void) | undefined;
  let socket: Socket | undefined;
  let send: (m: unknown) => void = (m) => process.send?.(m);
  if (via === 'frames') {
    socket = new Socket({ fd: 3, readable: true, writable: true });
    socket.on(
      'data',
      frameReader((text) => waiting?.(text)),
    );
    send = (m) => socket?.write(frame(JSON.stringify(m)));
  }
  const roundTrip = (callId: number) =>
    new Promise<string>((resolve) => {
      waiting = resolve;
      send({ t: 'bridge', id: 1, callId, op: 'collections.get', args: payload });
    });
  process.on('message', async (raw) => {
    const m = raw as { t: string; n?: number; id?: number; callId?: number; value?: string };
    if (m.t === 'bridge-result') {
      waiting?.(m.value ?? '');
      return;
    }
    if (m.t !== 'run') return;
    const t = performance.now();
    for (let i = 0; i < (m.n ?? 0); i++) await roundTrip(i);
    process.send?.({ t: 'ran', us: ((performance.now() - t) * 1000) / (m.n ?? 1) });
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ t: 'ready' });
} else {
  await main();
}

type Hop = (n: number) => Promise<number>;

/** One isolate whose `loop(n)` makes n bridge calls the way `variant` says; returns ms for one invocation. */
async function isolateHop(variant: 'reference' | 'syncPromise' | 'deliver'): Promise<Hop> {
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  const context = await isolate.createContext();
  const answer = JSON.stringify({ ok: true, value: JSON.stringify({ id: 'x', title: 'notice' }) });
  const args = JSON.stringify({ collection: 'notices', id: '00000000-0000-4000-8000-000000000001' });
  // The host side answers from a resolved promise, as the sandbox process does once the IPC reply is in.
  const host = (_inv: number, _op: string, _args: string) => Promise.resolve(answer);
  let call: string;
  if (variant === 'reference') {
    await context.global.set('$bridge', new ivm.Reference(host));
    call = `$bridge.apply(undefined, [1, 'collections.get', args], { arguments: { copy: true }, result: { promise: true, copy: true } })`;
  } else if (variant === 'syncPromise') {
    await context.global.set('$bridge', new ivm.Reference(host));
    call = `Promise.resolve($bridge.applySyncPromise(undefined, [1, 'collections.get', args], { arguments: { copy: true } }))`;
  } else {
    // The guest posts the call and returns; the host later hands the answer back into the isolate by call id.
    let deliver: ivm.Reference<(id: number, text: string) => void> | undefined;
    await context.global.set(
      '$post',
      new ivm.Callback(
        (callId: number, inv: number, op: string, a: string) => {
          void host(inv, op, a).then((text) =>
            deliver?.applyIgnored(undefined, [callId, text], { arguments: { copy: true } }),
          );
        },
        { ignored: true },
      ),
    );
    await context.eval(`
      const waiting = new Map(); let next = 1;
      globalThis.$deliver = (id, text) => { const r = waiting.get(id); waiting.delete(id); r(text); };
      globalThis.$call = (inv, op, a) => new Promise((resolve) => { const id = next++; waiting.set(id, resolve); $post(id, inv, op, a); });
    `);
    deliver = (await context.global.get('$deliver', { reference: true })) as typeof deliver;
    call = `$call(1, 'collections.get', args)`;
  }
  await context.eval(`
    const args = ${JSON.stringify(args)};
    globalThis.loop = async (n) => { let got = 0; for (let i = 0; i < n; i++) got += JSON.parse(await ${call}).ok ? 1 : 0; return got; };
  `);
  const loop = (await context.global.get('loop', { reference: true })) as ivm.Reference<(n: number) => Promise<number>>;
  return async (n) => {
    const t = performance.now();
    const got = await loop.apply(undefined, [n], { arguments: { copy: true }, result: { promise: true, copy: true } });
    if (got !== n) throw new Error(`expected ${n} answers, got ${got}`);
    return performance.now() - t;
  };
}

interface IpcChild {
  run: (n: number) => Promise<number>;
  stop: () => void;
}

async function ipcChild(via: 'json' | 'advanced' | 'frames'): Promise<IpcChild> {
  const child = fork(new URL(import.meta.url), ['ipc-child', via], {
    execArgv: ['--no-node-snapshot'],
    serialization: via === 'advanced' ? 'advanced' : 'json',
    stdio: via === 'frames' ? ['ignore', 'inherit', 'inherit', 'pipe', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reply = JSON.stringify({ ok: true, value: JSON.stringify({ id: 'x', title: 'notice' }) });
  const pipe = via === 'frames' ? (child.stdio[3] as Socket) : undefined;
  pipe?.on(
    'data',
    frameReader((text) => {
      const m = JSON.parse(text) as { callId: number };
      pipe.write(frame(JSON.stringify({ t: 'bridge-result', callId: m.callId, ok: true, value: reply })));
    }),
  );
  let ran: ((us: number) => void) | undefined;
  let ready: () => void = () => {};
  const up = new Promise<void>((r) => {
    ready = r;
  });
  child.on('message', (raw) => {
    const m = raw as { t: string; callId?: number; us?: number };
    if (m.t === 'ready') ready();
    else if (m.t === 'ran') ran?.(m.us ?? 0);
    else if (m.t === 'bridge') child.send({ t: 'bridge-result', callId: m.callId, ok: true, value: reply });
  });
  await up;
  return {
    run: (n) =>
      new Promise<number>((resolve) => {
        ran = resolve;
        child.send({ t: 'run', n });
      }),
    stop: () => child.kill(),
  };
}

async function main() {
  const started = performance.now();
  // (a) In-process hop, per call: time of an invocation making CALLS calls minus one making none.
  // (An async ivm.Callback cannot stand in for the Reference: it copies the host's return value at once and refuses
  // a promise, and the answer to a bridge call only exists after the IPC reply.)
  const hopNames = ['reference', 'syncPromise', 'deliver'] as const;
  const hops = await Promise.all(hopNames.map((v) => isolateHop(v)));
  const hopUs: number[][] = hopNames.map(() => []);
  for (const h of hops) for (let i = 0; i < 3; i++) await h(CALLS);
  for (let r = 0; r < ROUNDS; r++) {
    for (let v = 0; v < hops.length; v++) {
      const full = await hops[v](CALLS);
      const none = await hops[v](0);
      hopUs[v].push(((full - none) * 1000) / CALLS);
    }
  }
  // (b) IPC round trip, per call, measured in the child that makes it.
  const ipcNames = ['json', 'advanced', 'frames'] as const;
  const children = await Promise.all(ipcNames.map((v) => ipcChild(v)));
  const ipcUs: number[][] = ipcNames.map(() => []);
  for (const c of children) await c.run(CALLS);
  for (let r = 0; r < ROUNDS; r++) {
    for (let v = 0; v < children.length; v++) ipcUs[v].push(await children[v].run(CALLS));
  }
  for (const c of children) c.stop();

  const out: Record<string, number> = {};
  console.log(`bridge hops, median µs per call over ${ROUNDS} interleaved rounds of ${CALLS} calls:`);
  hopNames.forEach((n, i) => {
    out[`isolate_${n}Us`] = round(median(hopUs[i]), 1);
    console.log(`  isolate ⇄ main thread, ${n.padEnd(11)} ${round(median(hopUs[i]), 1)} µs`);
  });
  ipcNames.forEach((n, i) => {
    out[`ipc_${n}Us`] = round(median(ipcUs[i]), 1);
    console.log(`  IPC round trip, ${n.padEnd(18)} ${round(median(ipcUs[i]), 1)} µs`);
  });
  console.log(`(${round((performance.now() - started) / 1000, 1)} s)`);
  emit('bridge-hops', out);
  process.exit(0);
}

// Load generator for bench/iot.ts, run in its own process so the gateway's numbers are its own. Reads devices from
// a JSON file, connects them (bounded concurrency), then posts QoS 1 property posts at a target rate for a fixed
// time and measures publish→_reply latency (a 200 reply is sent after the batch committed: publish→stored).
// Prints one JSON line on stdout. Usage (from bench/iot.ts): node bench/iot-load.ts PORT FILE CONNECT POST RATE SECONDS
// [STORM_SECONDS]. With STORM_SECONDS > 0 it is a connect storm instead: device i starts connecting at
// i × STORM_SECONDS / CONNECT seconds whether or not the earlier ones are done (open loop), and the line reports
// refusals and connect latencies.
import { readFileSync } from 'node:fs';
import { mqttCredentials } from '@shequ/device-sdk';
import { connectAsync, type MqttClient } from 'mqtt';

const [port, file, connectN, postN, rate, seconds, storm = '0'] = process.argv.slice(2);
const devices = JSON.parse(readFileSync(file, 'utf8')) as Array<{
  productKey: string;
  deviceName: string;
  deviceSecret: string;
}>;
const nConnect = Math.min(Number(connectN), devices.length, 12_000);
const stormMs = Math.min(Number(storm), 60) * 1000;
const nPost = Math.min(Number(postN), nConnect);
const targetRate = Math.min(Number(rate), 20_000);
const durationMs = Math.min(Number(seconds), 120) * 1000;

const connectOptions = { protocolVersion: 4 as const, reconnectPeriod: 0, keepalive: 300, connectTimeout: 30_000 };

async function connectAll(): Promise<{ clients: MqttClient[]; refused: number; ms: number }> {
  // Indexed by device, so client i is devices[i] whatever order the connects finish in.
  const clients: MqttClient[] = [];
  let refused = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < nConnect) {
      const i = next++;
      const d = devices[i];
      try {
        clients[i] = await connectAsync(`mqtt://127.0.0.1:${port}`, { ...mqttCredentials(d), ...connectOptions });
      } catch {
        refused++;
      }
    }
  };
  await Promise.all(Array.from({ length: 100 }, worker));
  return { clients: clients.filter(Boolean), refused, ms: performance.now() - t0 };
}

/** The connect storm: every device on its own schedule, each connect timed from its scheduled start. */
async function stormAll() {
  const latencies: number[] = [];
  const refusals: Record<string, number> = {};
  const clients: MqttClient[] = [];
  const t0 = performance.now();
  await Promise.all(
    devices.slice(0, nConnect).map(async (d, i) => {
      const at = t0 + (i * stormMs) / nConnect;
      await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
      const started = performance.now();
      try {
        clients.push(await connectAsync(`mqtt://127.0.0.1:${port}`, { ...mqttCredentials(d), ...connectOptions }));
        latencies.push(performance.now() - started);
      } catch (err) {
        const code = String((err as { code?: unknown }).code ?? (err as Error).message).slice(0, 60);
        refusals[code] = (refusals[code] ?? 0) + 1;
      }
    }),
  );
  const ms = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0);
  console.log(
    JSON.stringify({
      phase: 'storm',
      offered: nConnect,
      offeredSeconds: stormMs / 1000,
      connected: clients.length,
      refused: nConnect - clients.length,
      refusals,
      allDoneSeconds: Math.round(ms / 100) / 10,
      connectP50ms: pct(0.5),
      connectP99ms: pct(0.99),
      connectMaxMs: Math.round(latencies.at(-1) ?? 0),
    }),
  );
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
  process.exit(0);
}
if (stormMs > 0) await stormAll();

const { clients, refused, ms } = await connectAll();
process.stderr.write(`connected ${clients.length} in ${Math.round(ms)} ms (${refused} refused)\n`);
// Tell the parent the connections are up, so it measures memory now; wait for its go.
console.log(JSON.stringify({ phase: 'connected', connected: clients.length, refused, connectMs: Math.round(ms) }));
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));

const posters = clients.slice(0, nPost);
if (refused) throw new Error(`${refused} devices were refused: the post phase needs every poster connected`);
const sentAt = new Map<string, number>();
const latencies: number[] = [];
let sent = 0;
let ok = 0;
let failed = 0;
await Promise.all(
  posters.map(async (c, i) => {
    const d = devices[i];
    await c.subscribeAsync(`/sys/${d.productKey}/${d.deviceName}/thing/event/property/post_reply`);
    c.on('message', (_t, p) => {
      const r = JSON.parse(p.toString());
      const t = sentAt.get(r.id);
      if (t === undefined) return;
      sentAt.delete(r.id);
      if (r.code === 200) {
        ok++;
        latencies.push(performance.now() - t);
      } else failed++;
    });
  }),
);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const tickMs = 10;
let device = 0;
while (performance.now() - t0 < durationMs) {
  const due = Math.floor(((performance.now() - t0) / 1000) * targetRate) - sent;
  for (let k = 0; k < due; k++) {
    const i = device++ % posters.length;
    const d = devices[i];
    const id = String(++sent);
    sentAt.set(id, performance.now());
    posters[i].publish(
      `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`,
      JSON.stringify({ id, version: '1.0', params: { activePower: (sent % 1000) / 10, energyTotal: sent } }),
      { qos: 1 },
    );
  }
  await new Promise((r) => setTimeout(r, tickMs));
}
const sendMs = performance.now() - t0;
// Wait (bounded) for the replies still in flight.
const until = performance.now() + 30_000;
while (ok + failed < sent && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
latencies.sort((a, b) => a - b);
const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0);
console.log(
  JSON.stringify({
    phase: 'done',
    // This load generator's own CPU over the send phase and the wait for the last replies, in CPU seconds.
    generatorCpuSeconds: Math.round((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e5) / 10,
    sent,
    ok,
    failed,
    unanswered: sent - ok - failed,
    sendSeconds: Math.round(sendMs / 100) / 10,
    achievedPerSec: Math.round(sent / (sendMs / 1000)),
    p50ms: pct(0.5),
    p99ms: pct(0.99),
    maxms: Math.round(latencies.at(-1) ?? 0),
  }),
);
await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
process.exit(0);

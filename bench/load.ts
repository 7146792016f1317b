// The load generator for bench/http.ts, run in its own process so client and server do not share an event loop.
// Usage: node bench/load.ts <url> [cookie] [connections] [seconds] [requests/s, 0 = as fast as possible];
// prints one JSON line with autocannon's result.
import autocannon from 'autocannon';

const [url, cookie, connections = '200', seconds = '10', rate = '0'] = process.argv.slice(2);
if (!url?.startsWith('http://127.0.0.1:')) {
  console.error('usage: node bench/load.ts http://127.0.0.1:<port>/path [cookie] [connections] [seconds]');
  process.exit(2);
}
const duration = Math.min(Math.max(Number(seconds), 1), 60);
const result = await autocannon({
  url,
  connections: Math.min(Math.max(Number(connections), 1), 1000),
  duration,
  timeout: 10,
  headers: cookie ? { cookie } : {},
  // An offered rate (open loop) measures latency at that load; autocannon corrects for coordinated omission.
  ...(Number(rate) > 0 ? { overallRate: Number(rate) } : {}),
});
console.log(
  JSON.stringify({
    requestsPerSec: result.requests.average,
    requestsTotal: result.requests.total,
    latencyAvgMs: result.latency.average,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: result.duration,
  }),
);

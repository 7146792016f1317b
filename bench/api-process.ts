// One more API process for a benchmark: opens the same platform (same database, same data dir and master key) and
// serves the API on the port the parent already listens on, sharing it through SO_REUSEPORT (the kernel spreads
// connections over the listeners). Usage: node bench/api-process.ts <port>; prints "ready" when listening.
import { buildServer } from '@shequ/api';
import { loadConfig, openPlatform } from '@shequ/core';

const port = Number(process.argv[2]);
const platform = await openPlatform(loadConfig(process.env), { role: 'bench' });
const app = await buildServer(platform, { loginRateLimit: 1_000_000 });
// Fastify passes the option on to Node's listen (its type does not list it).
const listen = { port, host: '127.0.0.1', reusePort: true };
await app.listen(listen);
console.log('ready');
const stop = async () => {
  await app.close();
  await platform.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

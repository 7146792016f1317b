import type { ChildProcess } from 'node:child_process';
import { buildServer, newAdminToken } from '@shequ/api';
import { type Config, DEMO_PASSWORD, demoAccounts, openPlatform, roles } from '@shequ/core';
import { openPluginRuntime, type PluginRuntime } from '@shequ/runtime';
import { removeRuntime, writeRuntime } from './runtime-file.ts';
import { buildWeb, startWeb, webNeedsBuild } from './web.ts';

export type Role = 'all' | 'api' | 'web' | 'worker';

function printWelcome(config: Config, seeded: boolean) {
  const web = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
  console.log(`\nShequ 社区 is running`);
  console.log(
    `  web      ${web}/login   (resident ${web}/app, console ${web}/console, gov ${web}/gov, designer ${web}/designer, market ${web}/market)`,
  );
  console.log(`  api      http://${config.host}:${config.apiPort}/api/health`);
  if (seeded) {
    console.log(
      `\nDemo community "demo" (示范社区, compound 示范小区) seeded. Demo accounts, password ${DEMO_PASSWORD}:`,
    );
    for (const a of demoAccounts) console.log(`  ${a.username.padEnd(10)} ${roles[a.role].zh} / ${roles[a.role].en}`);
  }
  console.log('');
}

/** Starts one role, or every role under one supervisor (the default with embedded PGlite and the in-process bus). */
export async function start(config: Config, role: Role): Promise<void> {
  if (role === 'web') {
    if (webNeedsBuild()) buildWeb();
    const apiUrl = process.env.SHEQU_API_URL ?? `http://127.0.0.1:${config.apiPort}`;
    const child = startWeb(config.port, config.host, apiUrl);
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return;
  }
  if (role === 'all' && webNeedsBuild()) buildWeb();
  const platform = await openPlatform(config, { role });
  let web: ChildProcess | undefined;
  let server: Awaited<ReturnType<typeof buildServer>> | undefined;
  let plugins: PluginRuntime | undefined;
  const adminToken = newAdminToken();
  if (role === 'api' || role === 'all') {
    plugins = await openPluginRuntime(platform, { purge: true, triggers: true });
    server = await buildServer(platform, { adminToken, plugins: plugins.host });
    await server.listen({ port: config.apiPort, host: config.host });
    const address = server.server.address();
    const apiPort = typeof address === 'object' && address ? address.port : config.apiPort;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    if (role === 'all') web = startWeb(config.port, config.host, apiUrl);
    writeRuntime(config.dataDir, {
      pid: process.pid,
      apiUrl,
      webUrl: role === 'all' ? `http://127.0.0.1:${config.port}` : undefined,
      adminToken,
      startedAt: new Date().toISOString(),
    });
  }
  platform.log.info({ role, db: platform.database.kind, bus: platform.bus.kind }, 'started');
  printWelcome(config, platform.seeded);
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    web?.kill('SIGTERM');
    await server?.close();
    await plugins?.close();
    removeRuntime(config.dataDir, process.pid);
    await platform.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  web?.once('exit', (code) => {
    if (!stopping) {
      console.error(`the web server exited (code ${code}); stopping`);
      void shutdown(1);
    }
  });
}

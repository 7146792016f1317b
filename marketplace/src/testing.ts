// Test helpers for the marketplace suites: a demo database with a second community, a plugin host, signed packages.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { crc32, deflateSync, gzipSync } from 'node:zlib';
import { createLogger, MemoryChannel } from '@shequ/core';
import { demoFixture } from '@shequ/core/testing';
import { regions, type TestEngine } from '@shequ/db';
import { coreCapabilities, PluginHost, packPlugin, SandboxPool, signPackage } from '@shequ/runtime';
import { eq } from 'drizzle-orm';
import type { Market } from './context.ts';

export const appManifest = (version = '1.0.0', over: Record<string, unknown> = {}) => ({
  id: 'org.acme.board',
  version,
  name: { zh: '公告栏', en: 'Board' },
  description: { zh: '社区公告', en: 'Community notices' },
  scenario: 'neighbourhood',
  sdk: '^0.1.0',
  collections: {
    posts: { schema: { type: 'object', required: ['title'], properties: { title: { type: 'string' } } } },
  },
  handlers: { list: { roles: ['resident', 'operator'] }, create: { roles: ['operator'] } },
  pages: {
    home: {
      type: 'list',
      audience: 'resident',
      menu: true,
      title: { zh: '公告', en: 'Notices' },
      source: { handler: 'list' },
      columns: [{ field: 'title', title: { zh: '标题', en: 'Title' } }],
    },
    write: {
      type: 'form',
      audience: 'operator',
      menu: true,
      title: { zh: '发布', en: 'Post' },
      schema: { type: 'object', properties: { title: { type: 'string', title: '标题' } } },
      submit: { handler: 'create' },
    },
  },
  ...over,
});

export const appBundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  list: (input, ctx) => ctx.collections.posts.find({}),
  create: (input, ctx) => ctx.collections.posts.insert({ title: input.title }),
} } };`;

/** A signed `.shequ` archive of the test app. */
export function signedArchive(
  privateKeyPem: string,
  version = '1.0.0',
  over: Record<string, unknown> = {},
  bundle = appBundle,
) {
  const files = signPackage(
    { 'shequ.plugin.json': JSON.stringify(appManifest(version, over)), 'bundle.js': bundle },
    privateKeyPem,
  );
  return packPlugin(files);
}

function tarEntry(name: string, data: Buffer) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.fill(0x20, 148, 156);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** A gzip'd tar made by hand, with entries the package writer would refuse to write. */
export function hostileArchive(files: Record<string, string | Buffer>) {
  const entries = Object.entries(files).map(([n, d]) => tarEntry(n, Buffer.from(d)));
  return gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));
}

/** The demo database with a second community (`other`), a plugin host on one sandbox process, and a Market. */
export async function marketFixture(engine: TestEngine) {
  const fx = await demoFixture(engine);
  const hosts: { host: PluginHost; pool: SandboxPool }[] = [];
  /** A plugin host on its own sandbox process: what one API process has (tests of several processes take more). */
  const newHost = () => {
    const pool = new SandboxPool({ size: 1 });
    const host = new PluginHost(
      fx.database,
      pool,
      coreCapabilities({ ...fx.d, channel: new MemoryChannel() }),
      createLogger(tmpdir(), 'silent'),
      { installTtlMs: 0 },
    );
    hosts.push({ host, pool });
    return host;
  };
  const host = newHost();
  const [demo] = await fx.database.db.select().from(regions).where(eq(regions.id, fx.demo));
  const extra = async (code: string) => {
    const [row] = await fx.database.db
      .insert(regions)
      .values({ parentId: demo.parentId, level: 'community', code, name: `社区${code}`, path: 'pending' })
      .returning();
    await fx.database.db
      .update(regions)
      .set({ path: `${demo.path.split(demo.id)[0]}${row.id}/` })
      .where(eq(regions.id, row.id));
    return row.id;
  };
  const other = await extra(`other${randomBytes(3).toString('hex')}`);
  const market: Market = { database: fx.database, crypto: fx.crypto, host };
  return {
    ...fx,
    host,
    market,
    other,
    extra,
    newHost,
    async close() {
      for (const h of hosts) {
        await h.host.close();
        await h.pool.close();
      }
      await fx.database.close();
    },
  };
}

/** A real PNG of `w`×`h` pixels in one colour (with `pad` bytes of an ancillary chunk to make it larger). */
export function tinyPng(w = 4, h = 3, rgb: [number, number, number] = [40, 120, 200], pad = 0) {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    ...(pad ? [chunk('teXt', Buffer.concat([Buffer.from('Comment\0'), randomBytes(pad)]))] : []),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A signed archive of the test app with extra package files (screenshots) and the manifest's `screenshots`. */
export function archiveWithFiles(
  privateKeyPem: string,
  version: string,
  screenshots: { path: string; caption?: { zh: string; en: string } }[],
  extra: Record<string, Buffer>,
) {
  const files = signPackage(
    {
      'shequ.plugin.json': JSON.stringify(appManifest(version, { screenshots })),
      'bundle.js': appBundle,
      ...extra,
    },
    privateKeyPem,
  );
  return packPlugin(files);
}

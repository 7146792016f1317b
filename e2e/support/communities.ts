// More communities beside the demo one, for suites about several communities (installs, staged upgrades): the data
// directory is seeded the way `shequ seed` does it, then the communities are added under the demo's street, before
// the platform starts (embedded PGlite has one owner at a time).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPglite, regions } from '@shequ/db';
import { eq } from 'drizzle-orm';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function run(args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', 'platform/cli/src/bin.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`shequ ${args.join(' ')}: ${code}\n${out}`)),
    );
  });
}

/** A `prepare` step for `startPlatform`: seeds the data directory and adds communities with these codes. */
export const seedCommunities =
  (codes: Array<{ code: string; name: string; nameEn: string }>) =>
  async (dataDir: string, env: Record<string, string>) => {
    await run(['seed'], env);
    const database = await openPglite(join(dataDir, 'pglite'));
    try {
      const [demo] = await database.db.select().from(regions).where(eq(regions.code, 'demo'));
      const [street] = await database.db
        .select()
        .from(regions)
        .where(eq(regions.id, demo.parentId as string));
      for (const c of codes) {
        const [row] = await database.db
          .insert(regions)
          .values({
            level: 'community',
            code: c.code,
            name: c.name,
            nameEn: c.nameEn,
            parentId: street.id,
            path: 'pending',
          })
          .returning();
        await database.db
          .update(regions)
          .set({ path: `${street.path}${row.id}/` })
          .where(eq(regions.id, row.id));
      }
    } finally {
      await database.close();
    }
  };

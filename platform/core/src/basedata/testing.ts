// Test helpers shared by the base-data suites.
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type DataScope, regions, type TestEngine } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { FieldCrypto } from '../crypto/field-crypto.ts';
import { parseKeyring } from '../crypto/keyring.ts';
import { seedDemo } from '../tenancy/seed.ts';

/** A valid GB 11643 number for a birth date and sequence (check digit computed here, independently of the validator). */
export function idFor(birth: string, seq: number, region = '330106'): string {
  const body = `${region}${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

/** A fresh database on `engine` with the demo community seeded: what base-data suites start from. */
export async function demoFixture(engine: TestEngine) {
  const database = await createTestDatabase(engine);
  const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
  await seedDemo(database.db, crypto);
  const [demo] = await database.db.select().from(regions).where(eq(regions.code, 'demo'));
  const scope: DataScope = { kind: 'communities', ids: [demo.id] };
  return { database, crypto, demo: demo.id, scope, d: { db: database.db, crypto } };
}

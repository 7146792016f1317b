import { randomBytes } from 'node:crypto';
import { AppError, appendAudit, notFound } from '@shequ/core';
import { type DataScope, products, withScope } from '@shequ/db';
import type { ThingModel } from '@shequ/schemas';
import { asc, eq, sql } from 'drizzle-orm';
import { type CodecRunner, codecLimits, codecScript } from '../codec/codec.ts';
import { type Actor, auditActor, type IotDeps } from './deps.ts';
import { checkThingModel } from './thing-model-check.ts';

export interface NewProduct {
  name: string;
  thingModel: unknown;
  nodeType?: 'device' | 'gateway';
  description?: string;
  /** Turns on dynamic registration: a product secret is generated and returned once. */
  dynamicRegister?: boolean;
  registerAllowList?: string[];
}

// Lowercase so the key is a valid token of a bus subject (shequ.iot.<community>.<productKey>…).
const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
export function newProductKey(): string {
  const bytes = randomBytes(10);
  return `k${[...bytes].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** Registers a product with its thing model; the product secret (dynamic registration only) is shown once. */
export async function createProduct(
  d: IotDeps,
  scope: DataScope,
  communityId: string,
  input: NewProduct,
  actor: Actor,
) {
  const model = checkThingModel(input.thingModel);
  const productKey = newProductKey();
  const productSecret = input.dynamicRegister ? randomBytes(16).toString('hex') : undefined;
  return withScope(d.db, scope, async (tx) => {
    const [row] = await tx
      .insert(products)
      .values({
        communityId,
        productKey,
        name: input.name,
        description: input.description ?? null,
        nodeType: input.nodeType ?? 'device',
        thingModel: model,
        productSecretCipher: productSecret ? d.crypto.encrypt(productSecret, `iot.product_secret.${productKey}`) : null,
        dynamicRegister: input.dynamicRegister ?? false,
        registerAllowList: input.registerAllowList ?? [],
        createdBy: actor.subject,
      })
      .returning({ id: products.id });
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.product.create',
      objectType: 'iot.product',
      objectId: row.id,
      communityId,
      result: 'success',
      detail: { productKey, name: input.name, dynamicRegister: input.dynamicRegister ?? false },
    });
    return { id: row.id, productKey, productSecret };
  });
}

export type ProductRow = typeof products.$inferSelect;

/** Products visible under the scope (row-level security filters communities). */
export async function listProducts(
  d: IotDeps,
  scope: DataScope,
  communityId?: string,
  opts: { withModel?: boolean } = {},
) {
  return withScope(d.db, scope, async (tx) => {
    const q = tx
      .select({
        id: products.id,
        productKey: products.productKey,
        name: products.name,
        nodeType: products.nodeType,
        communityId: products.communityId,
        dynamicRegister: products.dynamicRegister,
        hasCodec: sql<boolean>`${products.codecScript} is not null`,
        createdAt: products.createdAt,
        // The thing models only when asked for (apps' device.products); the console's list stays small.
        ...(opts.withModel ? { thingModel: products.thingModel } : {}),
      })
      .from(products);
    return (communityId ? q.where(eq(products.communityId, communityId)) : q).orderBy(asc(products.name));
  });
}

/** One product with its thing model; NOT_FOUND outside the scope. */
export async function getProduct(d: IotDeps, scope: DataScope, productKey: string) {
  const [row] = await withScope(d.db, scope, (tx) =>
    tx.select().from(products).where(eq(products.productKey, productKey)),
  );
  if (!row) throw notFound(`Product ${productKey}`, `产品 ${productKey} `);
  const { productSecretCipher: _, ...rest } = row;
  return { ...rest, thingModel: row.thingModel as ThingModel };
}

/** Replaces a product's thing model (TSL import); devices pick it up on their next connect. */
export async function updateThingModel(d: IotDeps, scope: DataScope, productKey: string, raw: unknown, actor: Actor) {
  const model = checkThingModel(raw);
  return withScope(d.db, scope, async (tx) => {
    const [row] = await tx
      .update(products)
      .set({ thingModel: model, updatedAt: new Date() })
      .where(eq(products.productKey, productKey))
      .returning({ id: products.id, communityId: products.communityId });
    if (!row) throw notFound(`Product ${productKey}`, `产品 ${productKey} `);
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.product.thing_model',
      objectType: 'iot.product',
      objectId: row.id,
      communityId: row.communityId,
      result: 'success',
      detail: { productKey },
    });
    return { productKey, thingModel: model };
  });
}

/**
 * Stores (or with null removes) a product's raw-data codec. With a runner the script is first loaded in the sandbox:
 * it must compile and define `rawDataToProtocol`; what it defines is answered.
 */
export async function setProductCodec(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  source: string | null,
  actor: Actor,
  runner?: CodecRunner,
) {
  const script = source?.trim() ? source : null;
  if (script && Buffer.byteLength(script) > codecLimits.maxScriptBytes)
    throw new AppError('INVALID_INPUT', {
      zh: `数据解析脚本不能超过 ${codecLimits.maxScriptBytes / 1024} KB`,
      en: `A codec script is at most ${codecLimits.maxScriptBytes / 1024} KB`,
      fieldErrors: { script: ['too large'] },
    });
  let defines = { decode: false, encode: false };
  if (script && runner) {
    const r = await runner.check(codecScript(productKey, script));
    if (!r.ok || !r.value.decode)
      throw new AppError('INVALID_INPUT', {
        zh: r.ok ? '脚本未定义 rawDataToProtocol(bytes)' : `脚本无法加载（${r.error.kind}）：${r.error.message}`,
        en: r.ok
          ? 'The script defines no rawDataToProtocol(bytes)'
          : `The script does not load (${r.error.kind}): ${r.error.message}`,
        fieldErrors: { script: [r.ok ? 'rawDataToProtocol missing' : r.error.message] },
      });
    defines = r.value;
  }
  return withScope(d.db, scope, async (tx) => {
    const [row] = await tx
      .update(products)
      .set({ codecScript: script, updatedAt: new Date() })
      .where(eq(products.productKey, productKey))
      .returning({ id: products.id, communityId: products.communityId });
    if (!row) throw notFound(`Product ${productKey}`, `产品 ${productKey} `);
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.product.codec',
      objectType: 'iot.product',
      objectId: row.id,
      communityId: row.communityId,
      result: 'success',
      detail: { productKey, bytes: script ? Buffer.byteLength(script) : 0, removed: !script },
    });
    return { productKey, hasCodec: script !== null, ...defines };
  });
}

import { AppError } from '@shequ/core';
import { codecLimits, codecScript, getProduct, setProductCodec } from '@shequ/iot';
import { z } from 'zod';
import { actorOf } from '../community.ts';
import { productFor } from '../iot-access.ts';
import { authedProcedure, type Context, router } from '../trpc.ts';

const productKey = z
  .string()
  .trim()
  .regex(/^[a-z0-9]{4,32}$/);
const script = z.string().max(codecLimits.maxScriptBytes);
const deps = (ctx: Pick<Context, 'platform'>) => ({ db: ctx.platform.database.db, crypto: ctx.platform.crypto });

/** The codec sandbox of this process: it runs beside the IoT gateway (role all or iot). */
function runnerOf(ctx: Pick<Context, 'iot'>) {
  const runner = ctx.iot?.codecs.runner;
  if (!runner)
    throw new AppError('UNAVAILABLE', {
      zh: '本进程未运行数据解析沙箱（请以 all 或 iot 角色启动）',
      en: 'No codec sandbox runs in this process (start role all or iot)',
    });
  return runner;
}

/** A product's raw-data codec (Alink 数据解析): read, store (checked in the sandbox), and try on sample bytes. */
export const iotCodecRouter = router({
  get: authedProcedure.input(z.object({ productKey })).query(async ({ ctx, input }) => {
    await productFor(ctx, input.productKey, 'iot.products.read');
    const p = await getProduct(deps(ctx), ctx.principal.scope, input.productKey);
    return { productKey: p.productKey, script: p.codecScript };
  }),
  set: authedProcedure.input(z.object({ productKey, script: script.nullable() })).mutation(async ({ ctx, input }) => {
    await productFor(ctx, input.productKey, 'iot.products.write');
    const r = await setProductCodec(
      deps(ctx),
      ctx.principal.scope,
      input.productKey,
      input.script,
      actorOf(ctx),
      ctx.iot?.codecs.runner,
    );
    ctx.iot?.codecs.forget(input.productKey);
    return r;
  }),
  /**
   * Runs `rawDataToProtocol` on hex bytes (or `protocolToRawData` on a JSON message) with the given script, or the
   * stored one; nothing is stored or sent. A failure is answered, not thrown, so the editor can show it.
   */
  test: authedProcedure
    .input(
      z.object({
        productKey,
        script: script.optional(),
        hex: z
          .string()
          .trim()
          .max(codecLimits.maxRawBytes * 3)
          .optional(),
        message: z.record(z.string(), z.unknown()).optional(),
        fPort: z.number().int().min(0).max(255).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await productFor(ctx, input.productKey, 'iot.products.write');
      const runner = runnerOf(ctx);
      const source =
        input.script ?? (await getProduct(deps(ctx), ctx.principal.scope, input.productKey)).codecScript ?? '';
      if (!source.trim())
        throw new AppError('INVALID_INPUT', { zh: '没有数据解析脚本', en: 'There is no codec script to run' });
      const s = codecScript(input.productKey, source);
      if (input.message) {
        const r = await runner.encode(s, input.message);
        return r.ok
          ? { ok: true as const, hex: r.value ? r.value.toString('hex') : null }
          : { ok: false as const, error: r.error };
      }
      const hex = (input.hex ?? '').replace(/[\s:-]|0x/gi, '');
      if (!/^([0-9a-fA-F]{2})+$/.test(hex))
        throw new AppError('INVALID_INPUT', {
          zh: '请输入偶数位十六进制字节，如 01 5e 00',
          en: 'Enter bytes as hex pairs, e.g. 01 5e 00',
          fieldErrors: { hex: ['hex pairs'] },
        });
      const r = await runner.decode(s, Buffer.from(hex, 'hex'), {
        transport: input.fPort === undefined ? 'mqtt' : 'lorawan',
        fPort: input.fPort,
      });
      return r.ok ? { ok: true as const, value: r.value } : { ok: false as const, error: r.error };
    }),
});

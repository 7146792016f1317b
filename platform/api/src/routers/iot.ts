import {
  changeDevice,
  countDevices,
  createAccount,
  createDevice,
  createProduct,
  deviceNameRe,
  getDeviceDetail,
  getNetworkServer,
  getProduct,
  issueDeviceCertificate,
  linkSubDevice,
  listAccounts,
  listDeviceCertificates,
  listDevices,
  listProducts,
  queryRollups,
  queryTelemetry,
  queueCommand,
  registerDevicesFromCsv,
  removeNetworkServer,
  revokeDeviceCertificate,
  rotateSecret,
  setAccountEnabled,
  setDevEui,
  setDeviceLocation,
  setNetworkServer,
  setRequireCertificate,
  updateThingModel,
} from '@shequ/iot';
import { standardThingModels } from '@shequ/schemas';
import { z } from 'zod';
import { actorOf, communityFor } from '../community.ts';
import { engineOf, productFor } from '../iot-access.ts';
import { authedProcedure, type Context, router } from '../trpc.ts';
import { iotCodecRouter } from './iot-codec.ts';
import { iotEnergyRouter } from './iot-energy.ts';
import { iotRulesRouter } from './iot-rules.ts';
import { iotSituationsRouter } from './iot-situations.ts';
import { iotWarehouseRouter } from './iot-warehouse.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const productKey = z
  .string()
  .trim()
  .regex(/^[a-z0-9]{4,32}$/);
const device = z.object({ productKey, deviceName: z.string().regex(deviceNameRe) });
const model = z.record(z.string(), z.unknown());
const params = z.record(z.string(), z.unknown());
// Read once: the files ship with the platform and do not change while it runs.
let models: ReturnType<typeof standardThingModels> | undefined;
const standardModels = () => {
  models ??= standardThingModels();
  return models;
};
const deps = (ctx: Pick<Context, 'platform'>) => ({ db: ctx.platform.database.db, crypto: ctx.platform.crypto });

/** IoT engine (DB33 7.3.2): products, devices, commands, application accounts and rules. */
export const iotRouter = router({
  rules: iotRulesRouter,
  energy: iotEnergyRouter,
  warehouse: iotWarehouseRouter,
  situations: iotSituationsRouter,
  products: router({
    codec: iotCodecRouter,
    /** The standard thing models of DB33 6.2 (smoke detector, people gate, meters, …) to start a product from. */
    standardModels: authedProcedure.query(() =>
      Object.entries(standardModels()).map(([id, model]) => ({
        id,
        name: model.profile?.name ?? id,
        category: model.profile?.category ?? '',
        clause: model.profile?.clause ?? '',
        model,
      })),
    ),
    list: authedProcedure.input(community).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.products.read');
      return listProducts(deps(ctx), ctx.principal.scope, c.id);
    }),
    get: authedProcedure.input(z.object({ productKey })).query(async ({ ctx, input }) => {
      await productFor(ctx, input.productKey, 'iot.products.read');
      return getProduct(deps(ctx), ctx.principal.scope, input.productKey);
    }),
    create: authedProcedure
      .input(
        community.extend({
          name: z.string().trim().min(1).max(64),
          thingModel: model,
          nodeType: z.enum(['device', 'gateway']).optional(),
          description: z.string().max(500).optional(),
          dynamicRegister: z.boolean().optional(),
          registerAllowList: z.array(z.string().regex(deviceNameRe)).max(10_000).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'iot.products.write');
        const { community: _, ...rest } = input;
        return createProduct(deps(ctx), ctx.principal.scope, c.id, rest, actorOf(ctx));
      }),
    updateThingModel: authedProcedure
      .input(z.object({ productKey, thingModel: model }))
      .mutation(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.products.write');
        const r = await updateThingModel(
          deps(ctx),
          ctx.principal.scope,
          input.productKey,
          input.thingModel,
          actorOf(ctx),
        );
        ctx.iot?.gateway.updateModel(r.productKey, r.thingModel);
        return { productKey: r.productKey };
      }),
  }),
  devices: router({
    /** A page of a product's devices by name (keyset: `after` is the last name of the previous page). */
    list: authedProcedure
      .input(
        z.object({
          productKey,
          after: z.string().regex(deviceNameRe).optional(),
          prefix: z
            .string()
            .regex(/^[A-Za-z0-9_.:@-]{1,32}$/)
            .optional(),
          limit: z.number().int().min(1).max(500).optional(),
        }),
      )
      .query(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.devices.read');
        const { productKey: pk, ...page } = input;
        const limit = page.limit ?? 200;
        const items = await listDevices(deps(ctx), ctx.principal.scope, pk, { ...page, limit });
        return { items, nextCursor: items.length === limit ? items[items.length - 1].deviceName : null };
      }),
    count: authedProcedure.input(z.object({ productKey })).query(async ({ ctx, input }) => {
      await productFor(ctx, input.productKey, 'iot.devices.read');
      return countDevices(deps(ctx), ctx.principal.scope, input.productKey);
    }),
    get: authedProcedure.input(device).query(async ({ ctx, input }) => {
      await productFor(ctx, input.productKey, 'iot.devices.read');
      return getDeviceDetail(deps(ctx), ctx.principal.scope, input.productKey, input.deviceName);
    }),
    /** Hourly or daily roll-ups (count, average, minimum, maximum) of a device's numeric properties. */
    rollups: authedProcedure
      .input(
        device.extend({
          grain: z.enum(['hour', 'day']),
          identifier: z.string().max(50).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          limit: z.number().int().min(1).max(5000).optional(),
        }),
      )
      .query(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.devices.read');
        const { productKey, deviceName, from, to, ...q } = input;
        return queryRollups(deps(ctx), ctx.principal.scope, productKey, deviceName, {
          ...q,
          from: from ? new Date(from) : undefined,
          to: to ? new Date(to) : undefined,
        });
      }),
    telemetry: authedProcedure
      .input(
        device.extend({
          kind: z.enum(['property', 'event']).optional(),
          identifier: z.string().max(50).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          limit: z.number().int().min(1).max(1000).optional(),
        }),
      )
      .query(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.devices.read');
        const { productKey, deviceName, from, to, ...q } = input;
        return queryTelemetry(deps(ctx), ctx.principal.scope, productKey, deviceName, {
          ...q,
          from: from ? new Date(from) : undefined,
          to: to ? new Date(to) : undefined,
        });
      }),
    create: authedProcedure
      .input(
        device.extend({
          nickname: z.string().max(64).optional(),
          location: z.string().trim().max(128).optional(),
          devEui: z.string().trim().max(32).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.devices.write');
        return createDevice(deps(ctx), ctx.principal.scope, input.productKey, input, actorOf(ctx));
      }),
    /** Sets (null clears) a device's LoRaWAN DevEUI, which a network server's uplinks name it by. */
    setDevEui: authedProcedure
      .input(device.extend({ devEui: z.string().trim().max(32).nullable() }))
      .mutation(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.devices.write');
        return setDevEui(
          deps(ctx),
          ctx.principal.scope,
          input.productKey,
          input.deviceName,
          input.devEui,
          actorOf(ctx),
        );
      }),
    /** Sets where a device is installed (null clears it); `expected` is the location the caller saw. */
    setLocation: authedProcedure
      .input(
        device.extend({
          location: z.string().trim().max(128).nullable(),
          expected: z.string().max(128).nullable().optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.devices.write');
        return setDeviceLocation(
          deps(ctx),
          ctx.principal.scope,
          input.productKey,
          input.deviceName,
          input.location,
          actorOf(ctx),
          input.expected === undefined ? undefined : { location: input.expected },
        );
      }),
    importCsv: authedProcedure
      .input(z.object({ productKey, csv: z.string().max(1_000_000) }))
      .mutation(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.devices.write');
        return registerDevicesFromCsv(deps(ctx), ctx.principal.scope, input.productKey, input.csv, actorOf(ctx));
      }),
    setEnabled: authedProcedure.input(device.extend({ enabled: z.boolean() })).mutation(async ({ ctx, input }) => {
      await productFor(ctx, input.productKey, 'iot.devices.write');
      const op = input.enabled ? 'enable' : 'disable';
      const r = await changeDevice(
        deps(ctx),
        ctx.principal.scope,
        input.productKey,
        input.deviceName,
        op,
        actorOf(ctx),
      );
      if (!input.enabled) ctx.iot?.gateway.kickDevice(r.id);
      else ctx.iot?.gateway.forgetFailures();
      return r;
    }),
    delete: authedProcedure.input(device).mutation(async ({ ctx, input }) => {
      await productFor(ctx, input.productKey, 'iot.devices.write');
      const r = await changeDevice(
        deps(ctx),
        ctx.principal.scope,
        input.productKey,
        input.deviceName,
        'delete',
        actorOf(ctx),
      );
      ctx.iot?.gateway.kickDevice(r.id);
      return r;
    }),
    rotateSecret: authedProcedure
      .input(
        device.extend({
          graceMinutes: z
            .number()
            .int()
            .min(0)
            .max(7 * 24 * 60)
            .default(60),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.devices.write');
        const r = await rotateSecret(
          deps(ctx),
          ctx.principal.scope,
          input.productKey,
          input.deviceName,
          input.graceMinutes,
          actorOf(ctx),
        );
        ctx.iot?.gateway.forgetFailures();
        return r;
      }),
    /** X.509 client certificates from the platform's device CA (DB33 9.2.1.1). */
    certificates: router({
      list: authedProcedure.input(device).query(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.devices.read');
        return listDeviceCertificates(deps(ctx), ctx.principal.scope, input.productKey, input.deviceName);
      }),
      /** Issues one; the private key (when the platform makes it) is in this answer only. */
      issue: authedProcedure
        .input(
          device.extend({
            csrPem: z.string().trim().min(1).max(16_384).optional(),
            days: z.number().int().min(1).max(3650).optional(),
            requireCertificate: z.boolean().optional(),
          }),
        )
        .mutation(async ({ ctx, input }) => {
          await productFor(ctx, input.productKey, 'iot.devices.write');
          const { productKey: pk, deviceName: dn, ...rest } = input;
          return issueDeviceCertificate(deps(ctx), ctx.principal.scope, pk, dn, rest, actorOf(ctx));
        }),
      revoke: authedProcedure
        .input(
          device.extend({
            serial: z
              .string()
              .trim()
              .regex(/^[0-9A-Fa-f]{2,64}$/),
          }),
        )
        .mutation(async ({ ctx, input }) => {
          await productFor(ctx, input.productKey, 'iot.devices.write');
          return revokeDeviceCertificate(
            deps(ctx),
            ctx.principal.scope,
            input.productKey,
            input.deviceName,
            input.serial,
            actorOf(ctx),
          );
        }),
      /** Certificate-only access: the device's secret no longer signs it in (MQTT, HTTPS, CoAP). */
      setRequired: authedProcedure.input(device.extend({ required: z.boolean() })).mutation(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.devices.write');
        return setRequireCertificate(
          deps(ctx),
          ctx.principal.scope,
          input.productKey,
          input.deviceName,
          input.required,
          actorOf(ctx),
        );
      }),
    }),
    linkGateway: authedProcedure.input(z.object({ gateway: device, sub: device })).mutation(async ({ ctx, input }) => {
      await productFor(ctx, input.gateway.productKey, 'iot.devices.write');
      await productFor(ctx, input.sub.productKey, 'iot.devices.write');
      return linkSubDevice(deps(ctx), ctx.principal.scope, input.gateway, input.sub, actorOf(ctx));
    }),
    command: authedProcedure
      .input(
        device.extend({
          command: z.discriminatedUnion('kind', [
            z.object({ kind: z.literal('set'), params, waitMs: z.number().int().min(0).max(30_000).optional() }),
            z.object({
              kind: z.literal('service'),
              service: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,49}$/),
              params,
              timeoutMs: z.number().int().min(100).max(30_000).optional(),
            }),
          ]),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        await productFor(ctx, input.productKey, 'iot.devices.command');
        // Without a gateway in this process the command is queued on the bus for the gateway that holds the device.
        if (!ctx.iot)
          return queueCommand(
            deps(ctx),
            ctx.principal.scope,
            input.productKey,
            input.deviceName,
            input.command,
            actorOf(ctx),
          );
        return engineOf(ctx).command(
          ctx.principal.scope,
          input.productKey,
          input.deviceName,
          input.command,
          actorOf(ctx),
        );
      }),
  }),
  /** The community's LoRaWAN network server (ChirpStack v4 or The Things Stack v3): downlink to devices with a DevEUI; token write-only. */
  networkServer: router({
    get: authedProcedure.input(community).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.networkServers.write');
      return getNetworkServer(deps(ctx), ctx.principal.scope, c.id);
    }),
    set: authedProcedure
      .input(
        community.extend({
          kind: z.enum(['chirpstack', 'tts']),
          baseUrl: z.string().trim().min(1).max(512),
          ttsApplicationId: z.string().trim().max(36).optional(),
          ttsWebhookId: z.string().trim().max(36).optional(),
          /** Omitted when updating: the stored token is kept. */
          token: z.string().max(4096).optional(),
          enabled: z.boolean(),
          offlineAfterSeconds: z.number().int().min(60).max(604_800).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'iot.networkServers.write');
        const { community: _, ...rest } = input;
        const r = await setNetworkServer(deps(ctx), ctx.principal.scope, c.id, rest, actorOf(ctx));
        ctx.iot?.networkServers.forget(c.id);
        return r;
      }),
    remove: authedProcedure.input(community).mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.networkServers.write');
      const r = await removeNetworkServer(deps(ctx), ctx.principal.scope, c.id, actorOf(ctx));
      ctx.iot?.networkServers.forget(c.id);
      return r;
    }),
  }),
  accounts: router({
    list: authedProcedure.input(community).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.accounts.write');
      return listAccounts(deps(ctx), ctx.principal.scope, c.id);
    }),
    create: authedProcedure
      .input(
        community.extend({
          name: z.string().trim().min(1).max(64),
          topics: z.array(z.string().min(1).max(256)).min(1).max(50),
          productKeys: z.array(productKey).max(100).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'iot.accounts.write');
        const { community: _, ...rest } = input;
        return createAccount(deps(ctx), ctx.principal.scope, c.id, rest, actorOf(ctx));
      }),
    setEnabled: authedProcedure
      .input(community.extend({ username: z.string().max(64), enabled: z.boolean() }))
      .mutation(async ({ ctx, input }) => {
        await communityFor(ctx, input.community, 'iot.accounts.write');
        const r = await setAccountEnabled(deps(ctx), ctx.principal.scope, input.username, input.enabled, actorOf(ctx));
        if (!input.enabled) ctx.iot?.gateway.kickAccount(input.username);
        return r;
      }),
  }),
});

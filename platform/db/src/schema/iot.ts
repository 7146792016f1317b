import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { bytea } from './esign.ts';

/** The IoT engine (DB33 7.3.2): products, devices, shadows, telemetry, application accounts. */
export const iot = pgSchema('iot');

const stamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
};

/** A product: a kind of device with one thing model (TSL), owned by a community. */
export const products = iot.table(
  'products',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    productKey: text('product_key').notNull().unique(),
    name: text('name').notNull(),
    description: text('description'),
    nodeType: text('node_type').$type<'device' | 'gateway'>().notNull().default('device'),
    thingModel: jsonb('thing_model').notNull(),
    /** Encrypted with FieldCrypto; present only when dynamic registration is on. */
    productSecretCipher: text('product_secret_cipher'),
    dynamicRegister: boolean('dynamic_register').notNull().default(false),
    /** Device names that may register themselves with the product secret. */
    registerAllowList: text('register_allow_list').array().notNull().default(sql`'{}'::text[]`),
    /**
     * The raw-data codec (Alink 数据解析): JavaScript defining `rawDataToProtocol(bytes)` and optionally
     * `protocolToRawData(json)`, run in the sandbox. With one, the product's devices may post binary on `up_raw` and
     * get downlink as bytes on `down_raw`.
     */
    codecScript: text('codec_script'),
    ...stamps,
  },
  (t) => [
    index('products_community_idx').on(t.communityId, t.name),
    check('products_node_type_check', sql`${t.nodeType} in ('device','gateway')`),
  ],
);

/** A device: one secret per device (一机一密), encrypted; during a rotation window the previous secret still signs. */
export const devices = iot.table(
  'devices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    productId: uuid('product_id').notNull(),
    productKey: text('product_key').notNull(),
    deviceName: text('device_name').notNull(),
    nickname: text('nickname'),
    /** Where the device is installed (e.g. 3幢东侧围墙): the location of the situations it reports. */
    location: text('location'),
    secretCipher: text('secret_cipher').notNull(),
    previousSecretCipher: text('previous_secret_cipher'),
    previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true }),
    enabled: boolean('enabled').notNull().default(true),
    state: text('state').$type<'inactive' | 'online' | 'offline'>().notNull().default('inactive'),
    /** Bumped at every connect: an offline from an older session never overrides a newer online. */
    epoch: integer('epoch').notNull().default(0),
    gatewayId: uuid('gateway_id'),
    lastOnlineAt: timestamp('last_online_at', { withTimezone: true }),
    lastOfflineAt: timestamp('last_offline_at', { withTimezone: true }),
    lastIp: text('last_ip'),
    /** Only an X.509 client certificate issued for this device lets it connect (no secret signing, DB33 9.2.1.1). */
    requireCertificate: boolean('require_certificate').notNull().default(false),
    /** LoRaWAN DevEUI (16 lowercase hex digits): how a network server's uplink finds the device. */
    devEui: text('dev_eui'),
    ...stamps,
  },
  (t) => [
    unique('devices_name_uq').on(t.productKey, t.deviceName),
    unique('devices_dev_eui_uq').on(t.devEui),
    check('devices_dev_eui_check', sql`${t.devEui} ~ '^[0-9a-f]{16}$'`),
    index('devices_community_idx').on(t.communityId, t.productId),
    index('devices_gateway_idx').on(t.gatewayId),
    check('devices_state_check', sql`${t.state} in ('inactive','online','offline')`),
  ],
);

/**
 * Latest value of each property, for instant reads; also the shadow's `reported` state (one source of truth: the
 * shadow row keeps only what the platform wants, see `shadows`).
 */
export const deviceProperties = iot.table(
  'device_properties',
  {
    deviceId: uuid('device_id').notNull(),
    communityId: uuid('community_id').notNull(),
    identifier: text('identifier').notNull(),
    value: jsonb('value'),
    time: timestamp('time', { withTimezone: true, mode: 'string' }).notNull(),
    /** How many times this value changed (1 when first reported): the reported side of the shadow's version. */
    updates: integer('updates').notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.deviceId, t.identifier] })],
);

/**
 * The device shadow's desired side: what the platform wants the device to be. Its reported side is the device's
 * latest values (`device_properties`), and its version the sum of this row's `version` (desired changes) and the
 * latest values' `updates`, so it grows with every change on either side. A row exists once something was wanted.
 */
export const shadows = iot.table(
  'shadows',
  {
    deviceId: uuid('device_id').primaryKey(),
    communityId: uuid('community_id').notNull(),
    desired: jsonb('desired').notNull().default({}),
    version: integer('version').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // The ingest writer looks only at shadows still waiting for the device.
  (t) => [index('shadows_waiting_idx').on(t.deviceId).where(sql`${t.desired} <> '{}'::jsonb`)],
);

/**
 * Every accepted property value and event, as received (raw layer). Written in batches by the ingest writer.
 * In the database this table is PARTITION BY RANGE (time), one partition per Shanghai day plus a default partition
 * (migration 0053; partitions made and dropped by platform/iot/src/registry/telemetry-partitions.ts). Drizzle cannot
 * declare partitioning: only the columns and the key, which must include the partition key, are declared here.
 */
export const telemetry = iot.table(
  'telemetry',
  {
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    communityId: uuid('community_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    kind: text('kind').$type<'property' | 'event'>().notNull(),
    identifier: text('identifier').notNull(),
    value: jsonb('value'),
    time: timestamp('time', { withTimezone: true, mode: 'string' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.time, t.seq] }),
    index('telemetry_device_time_idx').on(t.deviceId, t.identifier, t.time),
  ],
);

/**
 * Roll-ups of numeric property values (the IoT warehouse's kept layer, 7.2.2): per device, property and hour or day
 * (days in Asia/Shanghai), the count, sum, minimum and maximum. Raw telemetry is pruned after its retention period;
 * these stay.
 */
export const telemetryRollups = iot.table(
  'telemetry_rollups',
  {
    communityId: uuid('community_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    identifier: text('identifier').notNull(),
    grain: text('grain').$type<'hour' | 'day'>().notNull(),
    bucket: timestamp('bucket', { withTimezone: true, mode: 'string' }).notNull(),
    n: integer('n').notNull(),
    sum: doublePrecision('sum').notNull(),
    min: doublePrecision('min').notNull(),
    max: doublePrecision('max').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.deviceId, t.identifier, t.grain, t.bucket] }),
    index('telemetry_rollups_community_idx').on(t.communityId, t.grain, t.bucket),
    check('telemetry_rollups_grain_check', sql`${t.grain} in ('hour','day')`),
  ],
);

/** Online/offline history with session epochs (7.3.2.3.2). */
export const deviceSessions = iot.table(
  'device_sessions',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    communityId: uuid('community_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    epoch: integer('epoch').notNull(),
    state: text('state').$type<'online' | 'offline'>().notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull(),
    ip: text('ip'),
    reason: text('reason'),
  },
  (t) => [index('device_sessions_device_idx').on(t.deviceId, t.seq)],
);

/**
 * X.509 client certificates issued to devices by the platform's device CA (DB33 9.2.1.1). A device presenting one
 * over MQTTS connects without a signed password; the gateway looks the certificate up by its SHA-256 fingerprint, so
 * a revoked (or deleted) certificate stops working at once even though its signature still verifies.
 */
export const deviceCertificates = iot.table(
  'device_certificates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    /** Hex serial number, as `openssl x509 -serial` prints it (upper case). */
    serial: text('serial').notNull().unique(),
    /** SHA-256 of the DER certificate, lower-case hex without separators. */
    fingerprint: text('fingerprint').notNull().unique(),
    subject: text('subject').notNull(),
    certDer: bytea('cert_der').notNull(),
    /** Whether the key pair was made by the platform (shown once) or by the device (from its CSR). */
    keySource: text('key_source').$type<'platform' | 'csr'>().notNull(),
    notBefore: timestamp('not_before', { withTimezone: true }).notNull(),
    notAfter: timestamp('not_after', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: text('revoked_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [
    index('device_certificates_device_idx').on(t.deviceId, t.createdAt),
    check('device_certificates_key_source_check', sql`${t.keySource} in ('platform','csr')`),
  ],
);

/** A business system's MQTT account: password hashed, limited by its ACL to products and topic patterns. */
export const mqttAccounts = iot.table(
  'mqtt_accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    name: text('name').notNull(),
    username: text('username').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    /** Empty: every product of the community. */
    productKeys: text('product_keys').array().notNull().default(sql`'{}'::text[]`),
    topics: text('topics').array().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    ...stamps,
  },
  (t) => [index('mqtt_accounts_community_idx').on(t.communityId)],
);

/**
 * A community's LoRaWAN network server (ChirpStack v4 or The Things Stack v3): where downlinks to its devices (those with a DevEUI) are
 * queued. One per community: a community's LoRaWAN devices register on one network server, whatever their product.
 */
export const networkServers = iot.table(
  'network_servers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull().unique(),
    kind: text('kind').$type<'chirpstack' | 'tts'>().notNull(),
    /** Base URL of the REST API: ChirpStack's (e.g. `http://chirpstack-rest-api:8090`) or The Things Stack's cluster. */
    baseUrl: text('base_url').notNull(),
    /** The API token, encrypted with FieldCrypto (context `iot.network_server.{communityId}`); never read back. */
    tokenCipher: text('token_cipher').notNull(),
    /** The Things Stack only: the application and the webhook downlinks are pushed through. */
    ttsApplicationId: text('tts_application_id'),
    ttsWebhookId: text('tts_webhook_id'),
    enabled: boolean('enabled').notNull().default(true),
    /** Silence after which a device seen only through the network server is marked offline. */
    offlineAfterSeconds: integer('offline_after_seconds').notNull().default(1800),
    ...stamps,
  },
  (t) => [
    check('network_servers_kind_check', sql`${t.kind} in ('chirpstack','tts')`),
    check('network_servers_offline_check', sql`${t.offlineAfterSeconds} between 60 and 604800`),
  ],
);

export type SituationKind = 'abnormal' | 'boundary' | 'emergency';
export type SituationStatus = 'open' | 'closed';
/** A party (当事人) of a situation: a person of the base warehouse chosen when handling, or a ref a device reported. */
export type SituationParty = { kind: 'person'; personId: string; name?: string } | { kind: 'ref'; ref: string };

/**
 * The public-area situation warehouse (公共区域态势库, DB33 7.2.2.3.1–7.2.2.3.3): abnormal behaviour (camera AI),
 * compound boundary security (perimeter intrusion) and emergencies (fire, earthquake, gas) as situations, filled from
 * the devices' alert events. Repeated detections of one device and category within a window extend one situation.
 * Kept indefinitely: raw telemetry retention does not prune these.
 */
export const situationEvents = iot.table(
  'situation_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityId: uuid('community_id').notNull(),
    kind: text('kind').$type<SituationKind>().notNull(),
    /** The thing model's event identifier: fall, fight, crowding, intrusion, smokeAlarm, fogAlarm, fireSmoke, quake, gasLeak … */
    category: text('category').notNull(),
    deviceId: uuid('device_id').notNull(),
    productKey: text('product_key').notNull(),
    deviceName: text('device_name').notNull(),
    location: text('location'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    detections: integer('detections').notNull().default(1),
    parties: jsonb('parties').$type<SituationParty[]>().notNull().default(sql`'[]'::jsonb`),
    status: text('status').$type<SituationStatus>().notNull().default('open'),
    result: text('result'),
    handledBy: text('handled_by'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** The desk event (events.events) the situation opened in the events closed loop. */
    deskEventId: uuid('desk_event_id'),
    /** The first detection's event payload. */
    payload: jsonb('payload'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('situation_events_list_idx').on(t.communityId, t.occurredAt, t.id),
    index('situation_events_open_idx').on(t.deviceId, t.category, t.status, t.lastSeenAt),
    index('situation_events_desk_idx').on(t.deskEventId),
    check('situation_events_kind_check', sql`${t.kind} in ('abnormal','boundary','emergency')`),
    check('situation_events_status_check', sql`${t.status} in ('open','closed')`),
    check('situation_events_detections_check', sql`${t.detections} >= 1`),
  ],
);

/**
 * Each device alert event a situation was built from. The device's message id with its event time is unique per
 * device, so a redelivered bus event adds no second detection.
 */
export const situationDetections = iot.table(
  'situation_detections',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    communityId: uuid('community_id').notNull(),
    situationId: uuid('situation_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    messageId: text('message_id').notNull(),
    detectedAt: timestamp('detected_at', { withTimezone: true }).notNull(),
    value: jsonb('value'),
  },
  (t) => [
    unique('situation_detections_message_uq').on(t.deviceId, t.messageId, t.detectedAt),
    index('situation_detections_situation_idx').on(t.situationId, t.detectedAt),
  ],
);

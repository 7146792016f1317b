/**
 * Types of the shared services and data scopes of the capability catalog (schemas/plugin/services.json). A call
 * works only if the manifest asks for it under `permissions` and the community's operator granted it; otherwise the
 * bridge refuses it and the handler fails.
 */

/** A text in Chinese and English. */
export interface Text {
  zh: string;
  en: string;
}

/** Arguments of `message.send`. */
export interface MessageSendArgs {
  /** A user of this community (UUID); others are refused with NOT_FOUND. */
  userId: string;
  /** The message, up to 2,000 characters in each language. */
  text: Text;
  /** A template name for the channel (default `plugin:<app id>`). */
  template?: string;
}

/** Arguments of `audit.record`. */
export interface AuditRecordArgs {
  /** Lower-case words joined by dots or dashes, recorded as `plugin.<app id>.<action>`. */
  action: string;
  /** What the action was about (up to 128 characters). */
  objectId?: string;
  /** Extra detail; the platform adds the app id and version. */
  detail?: Record<string, unknown>;
}

/** Arguments of `points.award` and `points.spend`. */
export interface PointsMoveArgs {
  /** A user of this community (UUID). */
  userId: string;
  /** Whole points, 1–1,000,000. */
  amount: number;
  /** Shown in the resident's points history (up to 200 characters). */
  reason: string;
  /** The app's idempotency key: a retry with the same key answers the first result and moves nothing again. */
  key: string;
}

/** What a points transfer answers. */
export interface PointsMoved {
  transferId: string;
  /** The resident's balance after the transfer. */
  balance: number;
  /** True when the key was used before and this is the first result again. */
  replayed: boolean;
}

/** Severity of an event: `critical` goes to the top of the desk. */
export type EventSeverity = 'low' | 'normal' | 'high' | 'critical';

/** Where an event happened: a house, a public space, a facility (UUIDs of base data) or a WGS-84 point. */
export interface EventLocation {
  houseId?: string;
  spaceId?: string;
  facilityId?: string;
  lon?: number;
  lat?: number;
  /** Free text, up to 200 characters (`3 幢 2 单元门口`). */
  text?: string;
}

/**
 * A workflow an app declares as data: states (one `final`), transitions with the roles that may take them
 * (`resident`, `property_staff`, `grid_worker`, `community_admin`, or `reporter` / `assignee` of the event) and an
 * SLA per state in minutes. Declaring the same workflow again reuses it; a changed one becomes a new version.
 */
export interface EventWorkflow {
  /** Lower-case letters, digits, `.` or `-` (1–50), unique within the app. */
  key: string;
  name: Text;
  initial: string;
  states: { name: string; zh: string; en: string; final?: boolean; slaMinutes?: number | null }[];
  transitions: {
    event: string;
    from: string[];
    to: string;
    roles: string[];
    /** The transition names a worker (`assigneeId`), like the platform's `assign`. */
    needsAssignee?: boolean;
    /** The transition carries a 1–5 rating, like the platform's `rate`. */
    needsRating?: boolean;
  }[];
}

/** Arguments of `events.report`. */
export interface EventReportArgs {
  /** The app's idempotency key: reporting again with the same key answers the event it opened. */
  key: string;
  /** A short code, lower-case (`parcel`, `repair`, `iot.smoke`). */
  type: string;
  /** Up to 100 characters. */
  title: string;
  /** Up to 2,000 characters. */
  description?: string;
  severity?: EventSeverity;
  location?: EventLocation;
  /** Data URLs of JPEG, PNG or WebP photos: 2 MB each, 3 at most (INVALID_INPUT otherwise). */
  photos?: string[];
  /** The app's own workflow; without it the platform's (reported → accepted → assigned → … → closed). */
  workflow?: EventWorkflow;
}

/** What `events.report` answers. */
export interface EventReported {
  id: string;
  /** The workflow's initial state (`reported` for the platform's). */
  state: string;
  version: number;
  createdAt: string;
}

/** An event the app opened, as `events.get` answers it, with its history oldest first. */
export interface EventSummary {
  id: string;
  type: string;
  title: string;
  severity: EventSeverity;
  state: string;
  version: number;
  /** The reporter's 1–5 rating, once given. */
  rating: number | null;
  createdAt: string;
  updatedAt: string;
  history: { action: string; from: string | null; to: string | null; at: string }[];
}

/** A public space residents may book (`booking.spaces`). */
export interface BookableSpace {
  spaceId: string;
  name: string;
  /** The base warehouse's use type, for example 活动室. */
  useType: string;
  location: string | null;
  slotMinutes: number | null;
  /** How many bookings one slot takes at once. */
  capacity: number | null;
  /** Fee per slot in integer fen (分); 0 when free. */
  feeFen: number;
  rules: string | null;
}

/** One slot of a day (`booking.availability`); times are ISO 8601 instants, labels in Asia/Shanghai. */
export interface BookingSlot {
  start: string;
  end: string;
  /** For example `09:00–10:00`. */
  label: string;
  /** Units still free and units taken (a hold past its expiry no longer counts). */
  free: number;
  taken: number;
  /** `closed`: past, or further ahead than the space allows. */
  status: 'free' | 'taken' | 'closed';
}

/** A day of a space's slots. */
export interface BookingDay {
  spaceId: string;
  name: string;
  /** `yyyy-MM-dd`. */
  day: string;
  capacity: number;
  feeFen: number;
  rules: string | null;
  slots: BookingSlot[];
}

/** Arguments of `booking.hold`. */
export interface BookingHoldArgs {
  spaceId: string;
  /** The slot's start exactly as `availability` answered it. */
  start: string;
  /** Shown to staff with the booking (up to 200 characters). */
  note?: string;
}

/** A hold: the slot is kept for the resident until `holdExpiresAt`; they confirm it in the booking page (预约). */
export interface BookingHeld {
  bookingId: string;
  start: string;
  end: string;
  holdExpiresAt: string;
  feeFen: number;
}

/** Arguments of `access.invite`: the visitor and the validity window (ISO 8601 instants, at most 7 days long). */
export interface AccessInviteArgs {
  visitorName: string;
  /** A mainland mobile number; only its mask is kept. */
  visitorPhone?: string;
  validFrom: string;
  validUntil: string;
  /** How many entries the pass allows (1–20, default 1). */
  maxEntries?: number;
  note?: string;
}

/**
 * A visitor pass (访客通行证): `token` is what the QR code carries (the gate checks it with the platform), `code` the
 * 8-digit number typed when the QR code cannot be scanned. The pass is the resident's: she sees and may revoke it
 * in 访客邀请.
 */
export interface AccessPass {
  passId: string;
  token: string;
  code: string;
  validFrom: string;
  validUntil: string;
  maxEntries: number;
}

/** One gate pass (`access.passes`): no ids of people or vehicles of the base warehouse. */
export interface AccessPassRecord {
  id: string;
  gate: string;
  direction: 'in' | 'out';
  passedAt: string;
  subjectKind: 'person' | 'vehicle' | 'visitor' | 'unknown';
  visitorPassId: string | null;
  visitorName: string | null;
  plate: string | null;
  method: 'face' | 'card' | 'qr' | 'password' | 'remote' | 'plate';
  /** False when the platform refused the code (expired, used up, revoked); `refusal` says why. */
  admitted: boolean;
  refusal: string | null;
}

/** Arguments of `payment.createOrder`. Money is always integer fen (分): ¥12.34 is `1234`. */
export interface PaymentOrderArgs {
  /** What the resident pays for, shown on the order (1–128 characters). */
  subject: string;
  /** A positive whole number of fen, at most 10,000,000,000 (¥100,000,000.00). */
  amountFen: number;
  /**
   * The app's own id of what is paid for (1–128 characters). One live order per reference: calling again with the
   * same reference answers the same order instead of charging twice.
   */
  reference: string;
}

/** An order as an app sees it. */
export interface PaymentOrder {
  orderId: string;
  subject: string;
  amountFen: number;
  /** What was captured and what was refunded so far, in fen. */
  paidFen: number;
  refundedFen: number;
  /** `open` (unpaid), `paid`, `partially_refunded`, `refunded` or `cancelled`. */
  status: 'open' | 'paid' | 'partially_refunded' | 'refunded' | 'cancelled';
}

/** Arguments of `esign.createDocument`. */
export interface EsignCreateArgs {
  /** A contract template of this community (合同模板, kept by the operators in the console). */
  templateId: string;
  /** The resident who signs: the calling resident, or anyone in the community on an operator's call. */
  signerUserId: string;
  /** A value for each `{{key}}` of the template; required ones must not be empty (INVALID_INPUT). */
  values: Record<string, string>;
  /** The contract's title; the template's name when absent. */
  title?: string;
}

/** A contract's signing state (`esign.status`). */
export interface EsignStatus {
  documentId: string;
  /** `sent`: waiting for the resident; `expired`: past its deadline unsigned. */
  status: 'draft' | 'sent' | 'signed' | 'declined' | 'expired';
  sentAt: string | null;
  expiresAt: string | null;
  signedAt: string | null;
  /** SHA-256 (hex) of the signed PDF: what a verifier of the file will report. */
  signedSha256: string | null;
}

/** A device product of the community with what its thing model offers (`device.products`). */
export interface DeviceProduct {
  productKey: string;
  name: string;
  nodeType: 'device' | 'gateway';
  model: {
    properties: { identifier: string; name: string; type: string; accessMode: 'r' | 'rw'; unit?: string }[];
    services: { identifier: string; name: string; callType: 'sync' | 'async' }[];
    events: { identifier: string; name: string; type: 'info' | 'alert' | 'error' }[];
  };
}

/** A device as an app sees it (`device.list`): no ids, secrets or addresses. */
export interface DeviceSummary {
  productKey: string;
  deviceName: string;
  nickname: string | null;
  status: 'inactive' | 'online' | 'offline' | 'disabled';
  online: boolean;
  lastOnlineAt: string | null;
}

/** Arguments of `device.invoke`: a property set, or an async service call with its input. */
export type DeviceInvokeArgs =
  | { productKey: string; deviceName: string; set: Record<string, unknown> }
  | { productKey: string; deviceName: string; service: string; params?: Record<string, unknown> };

/** `ctx.services`: the shared services, by service and action. */
export interface Services {
  /** Messages to residents and staff (permission `message: ['send']`). */
  readonly message: {
    /**
     * Sends a bilingual message to one user of this community through the platform's message service: it lands in
     * their inbox (我的消息) and goes out as an app push (held until 07:00 during quiet hours, 22:00–07:00). One app
     * may send one person at most 20 messages an hour; more are refused with RATE_LIMITED.
     */
    send(args: MessageSendArgs): Promise<{ sent: true }>;
  };
  /** The community's points ledger (permissions `points: ['balance' | 'award' | 'spend']`). */
  readonly points: {
    /** A resident's points balance. */
    balance(args: { userId: string }): Promise<{ balance: number }>;
    /** Awards points from the community pool to a resident (for attendance, volunteering, …). */
    award(args: PointsMoveArgs): Promise<PointsMoved>;
    /** Spends a resident's points; only in a call that resident made, never below zero (CONFLICT). */
    spend(args: PointsMoveArgs): Promise<PointsMoved>;
  };
  /** The event closed loop (permissions `events: ['report' | 'get']`). */
  readonly events: {
    /** Opens an event (source `plugin`) on the community's event desk, once per key. */
    report(args: EventReportArgs): Promise<EventReported>;
    /** Reads an event this app opened; other events are NOT_FOUND. */
    get(args: { id: string }): Promise<EventSummary>;
  };
  /** Space booking (permissions `booking: ['spaces' | 'availability' | 'hold']`). */
  readonly booking: {
    /** The community's bookable public spaces. */
    spaces(args?: Record<string, never>): Promise<BookableSpace[]>;
    /** A space's slots of one day (`yyyy-MM-dd`, Asia/Shanghai) with what is free; NOT_FOUND for a space that is not bookable. */
    availability(args: { spaceId: string; day: string }): Promise<BookingDay>;
    /**
     * Holds a slot for the signed-in resident (only on their own call: FORBIDDEN otherwise). A slot someone else has
     * is refused with CONFLICT (已被预约); the space's rules (who may book, how often a week, how far ahead) apply.
     */
    hold(args: BookingHoldArgs): Promise<BookingHeld>;
  };
  /** People and vehicle access (permissions `access: ['invite' | 'passes']`). */
  readonly access: {
    /**
     * Invites a visitor for the signed-in resident (only on her own call: FORBIDDEN otherwise) and answers the pass
     * with its QR token and 8-digit code. A window that has passed, is longer than 7 days or starts more than 30 days
     * ahead is refused with INVALID_INPUT. The gate refuses the code outside the window or once its entries are used.
     */
    invite(args: AccessInviteArgs): Promise<AccessPass>;
    /**
     * Gate passes, newest first: on a resident's call the passes of her own visitors, on an operator's call the
     * community's (paged with `cursor`). Without a signed-in user: FORBIDDEN.
     */
    passes(args?: {
      cursor?: string;
      limit?: number;
    }): Promise<{ items: AccessPassRecord[]; nextCursor: string | null }>;
  };
  /** Devices of the community (permissions `device: ['products' | 'list' | 'properties' | 'invoke']`). */
  readonly device: {
    /** The community's device products with the properties, services and events of their thing models. */
    products(args?: Record<string, never>): Promise<DeviceProduct[]>;
    /** A product's devices of this community by name (`after`, `prefix`, `limit` ≤ 200), and whether each is online. */
    list(args: { productKey: string; after?: string; prefix?: string; limit?: number }): Promise<DeviceSummary[]>;
    /** A device's latest property values (`time` in epoch milliseconds); NOT_FOUND outside the community. */
    properties(args: { productKey: string; deviceName: string }): Promise<{
      online: boolean;
      status: DeviceSummary['status'];
      properties: Record<string, { value: unknown; time: number }>;
    }>;
    /**
     * Sends a property set or an async service call, checked against the thing model (INVALID_INPUT naming the
     * parameter) and queued to the gateway holding the device; a set also becomes the device's desired state, sent
     * when it is next online. Only on an operator's call or in the app's own jobs and event handlers (FORBIDDEN on a
     * resident's call); a sync service needs an answer and is refused (UNAVAILABLE).
     */
    invoke(args: DeviceInvokeArgs): Promise<{ commandId: string; queued: true }>;
  };
  /** Payment (permissions `payment: ['createOrder' | 'status']`). */
  readonly payment: {
    /**
     * Raises an order for the signed-in resident (only on their own call: FORBIDDEN otherwise). The resident pays it
     * in 我的订单; the app never handles money or payment credentials. A zero, negative, fractional or too large
     * amount is refused with INVALID_INPUT.
     */
    createOrder(args: PaymentOrderArgs): Promise<PaymentOrder>;
    /** The current state of an order this app raised; any other order is NOT_FOUND. */
    status(args: { orderId: string }): Promise<PaymentOrder>;
  };
  /** Electronic contracts (permissions `esign: ['createDocument' | 'status']`). */
  readonly esign: {
    /**
     * Renders a community contract template with `values` and sends it to the resident, who reads it and signs it
     * with a one-time code in 待签合同 (an app never sees the code). Only on the signing resident's own call or an
     * operator's call (FORBIDDEN otherwise); NOT_FOUND for a signer outside the community or an unknown template.
     */
    createDocument(
      args: EsignCreateArgs,
    ): Promise<{ documentId: string; status: 'draft' | 'sent'; expiresAt: string | null }>;
    /** The signing state of a contract this app created; other contracts are NOT_FOUND. */
    status(args: { documentId: string }): Promise<EsignStatus>;
  };
  /** The platform's tamper-evident audit log (permission `audit: ['record']`). */
  readonly audit: {
    /** Appends an audit record on behalf of the app and the signed-in user. */
    record(args: AuditRecordArgs): Promise<{ recorded: true }>;
  };
}

/** A resident as the `people:read-masked` scope shows them: ID number and phone masked. */
export interface MaskedPerson {
  id: string;
  communityId: string;
  name: string;
  idType: string;
  /** Masked, for example `3301**********1234`. */
  idNumber: string | null;
  gender: string | null;
  birthYear: string | null;
  /** Masked, for example `138****5678`. */
  phone: string | null;
  category: string | null;
  occupation: string | null;
  keyCareTags: string[];
  tags: string[];
  version: number;
  updatedAt: string;
}

/** Filters of `people:read-masked`: a name prefix, a tag, and a cursor from the previous page. */
export interface PeopleQuery {
  namePrefix?: string;
  tag?: string;
  /** `nextCursor` of the previous page. */
  after?: string;
  /** 1–200 (default 50). */
  limit?: number;
}

/** A count by key, as the statistics scope returns them. */
export interface KeyCount {
  key: string;
  count: number;
}

/** The community's statistics (`stats:read`): no personal data. */
export interface CommunityStats {
  totals: { people: number; houses: number; vehicles: number; spaces: number; facilities: number };
  byCompound: { compound: string; houses: number; residents: number }[];
  byCategory: KeyCount[];
  keyCare: KeyCount[];
  ageBands: KeyCount[];
  vehiclesByEnergy: KeyCount[];
  facilitiesByStatus: KeyCount[];
}

/** Kinds of map feature (`map:read`). */
export type MapFeatureKind = 'building' | 'space' | 'facility' | 'road' | 'boundary';

/** The community map as GeoJSON. */
export interface MapFeatures {
  type: 'FeatureCollection';
  features: {
    type: 'Feature';
    id: string;
    geometry: { type: string; coordinates: unknown };
    properties: Record<string, unknown> & { kind: MapFeatureKind; name: string; refId: string | null };
  }[];
}

/** `ctx.data`: base-data reads, by scope (permission `data: ['<scope>']`). */
export interface DataScopes {
  /** Residents of this community with ID numbers and phones masked. */
  readonly 'people:read-masked': {
    list(query?: PeopleQuery): Promise<{ items: MaskedPerson[]; nextCursor: string | null }>;
  };
  /** Community statistics. */
  readonly 'stats:read': { list(query?: Record<string, never>): Promise<CommunityStats> };
  /** Buildings, spaces, facilities, roads and the boundary. */
  readonly 'map:read': { list(query?: { kind?: MapFeatureKind }): Promise<MapFeatures> };
}

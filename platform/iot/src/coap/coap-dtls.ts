import type { FieldCrypto, Logger } from '@shequ/core';
import type { Database } from '@shequ/db';
import {
  type CoapMessage,
  coapCode,
  coapCodeByte,
  coapOption,
  coapPath,
  coapType,
  encodeCoap,
  parseCoap,
} from '@shequ/device-sdk/coap-message';
import { alert } from '@shequ/device-sdk/dtls';
import { parseUsername } from '../alink/credentials.ts';
import type { IngestAnswer } from '../http/device-ingest.ts';
import type { TokenSession } from '../http/device-tokens.ts';
import { type DeviceIdentity, findIdentity } from '../registry/devices-repo.ts';
import { secretContext } from '../registry/devices-service.ts';
import { dtlsPsk } from './coap-crypto.ts';
import type { CoapIngest } from './coap-ingest.ts';
import type { Peer, PskAnswer, ServerConnection } from './dtls/connection.ts';
import { DtlsServer } from './dtls/server.ts';

export interface CoapDtlsLimits {
  maxHandshakes?: number;
  maxSessions?: number;
  handshakeTimeoutMs?: number;
  idleTimeoutMs?: number;
}

/** A DTLS session's device: who it is, its token session once online, and recent answers by message id. */
interface DeviceLink {
  identity: DeviceIdentity;
  ready: Promise<TokenSession>;
  session?: TokenSession;
  answers: Map<number, Buffer>;
}

const METHODS = ['', 'GET', 'POST', 'PUT', 'DELETE'];
const ANSWERS_KEPT = 32;

/**
 * CoAP over DTLS 1.2 (RFC 7252 §9 PreSharedKey mode): the handshake authenticates the device by its PSK, the
 * session then is the device's token session (online until it ends), and each CoAP request goes to the same
 * handler as on plain CoAP. A CON request repeated with the same message id gets the stored answer again
 * (RFC 7252 §4.5), so a retransmission is not stored twice.
 */
export class CoapDtls {
  readonly #coap: CoapIngest;
  readonly #o: { database: Database; crypto: FieldCrypto; log?: Logger };
  readonly #server: DtlsServer<DeviceLink>;
  #watch: NodeJS.Timeout | null = null;

  constructor(
    coap: CoapIngest,
    o: { database: Database; crypto: FieldCrypto; log?: Logger },
    limits: CoapDtlsLimits = {},
  ) {
    this.#coap = coap;
    this.#o = o;
    this.#server = new DtlsServer<DeviceLink>({
      ...limits,
      psk: (identity, peer) => this.#psk(identity, peer),
      onSession: (c) => this.#established(c),
      onData: (c, d) => void this.#data(c, d).catch((err) => this.#o.log?.warn({ err }, 'coaps request failed')),
      onClose: (c, reason) => this.#closed(c, reason),
    });
  }

  get server(): DtlsServer<DeviceLink> {
    return this.#server;
  }

  async listen(o: { port: number; host: string }): Promise<{ port: number }> {
    const r = await this.#server.listen(o);
    // Tokens end on a disable, delete, rotation or expiry (lifecycle follower, sweeps): their sessions end too.
    this.#watch = setInterval(() => this.#endRevoked(), 2000);
    this.#watch.unref();
    return r;
  }

  async close(): Promise<void> {
    if (this.#watch) clearInterval(this.#watch);
    await this.#server.close();
  }

  #endRevoked() {
    for (const c of this.#server.sessions()) {
      const token = c.context?.session?.token;
      if (token && !this.#coap.ingest.tokens.check(token).ok) c.close('device session ended');
    }
  }

  async #psk(identity: string, peer: Peer): Promise<PskAnswer<DeviceLink>> {
    const ingest = this.#coap.ingest;
    const refuse = (reason: string): PskAnswer<DeviceLink> => ({ ok: false, alert: alert.handshakeFailure, reason });
    if (!ingest.allowAuth(peer.address)) return refuse('too many handshakes');
    const user = parseUsername(identity);
    // Unknown identities are remembered with the other failed sign-ins (forgotten when a device is created).
    if (!user || ingest.failedRecently(`psk:${identity}`)) return refuse('unknown identity');
    const subject = `device:${user.productKey}/${user.deviceName}`;
    const id = await findIdentity(this.#o.database.db, user.productKey, user.deviceName);
    const why = !id
      ? 'unknown device'
      : !id.enabled
        ? 'device disabled'
        : id.requireCertificate
          ? 'certificate required'
          : null;
    if (!id || why) {
      if (!id) ingest.rememberFailure(`psk:${identity}`);
      await ingest.auditAuthFailure(subject, peer.address, { reason: why, dtls: true });
      return refuse(why ?? 'unknown device');
    }
    const ctx = secretContext(id.productKey, id.deviceName);
    const secrets = [this.#o.crypto.decrypt(id.secretCipher, ctx)];
    // During a rotation window the previous secret's PSK still completes a handshake.
    if (id.previousSecretCipher && id.previousSecretUntil && id.previousSecretUntil > new Date())
      secrets.push(this.#o.crypto.decrypt(id.previousSecretCipher, ctx));
    let resolve!: (s: TokenSession) => void;
    const ready = new Promise<TokenSession>((r) => {
      resolve = r;
    });
    const link: DeviceLink & { resolve: typeof resolve } = { identity: id, ready, answers: new Map(), resolve };
    return { ok: true, psks: secrets.map((s) => dtlsPsk(s, identity)), context: link };
  }

  #established(c: ServerConnection<DeviceLink>) {
    const link = c.context as DeviceLink & { resolve: (s: TokenSession) => void };
    void this.#coap.ingest.startSession(link.identity, c.peer.address).then(
      (s) => {
        link.session = s;
        link.resolve(s);
        // The connection may have ended while the device was being marked online.
        if (c.state === 'closed') this.#coap.ingest.tokens.revoke(s.token, 'dtls session ended');
      },
      (err) => {
        this.#o.log?.warn({ err }, 'coaps: starting a device session failed');
        c.close('device session failed');
      },
    );
  }

  #closed(c: ServerConnection<DeviceLink>, reason: string) {
    const link = c.context;
    if (link?.session) this.#coap.ingest.tokens.revoke(link.session.token, `dtls: ${reason}`);
    else if (link && c.state === 'closed' && reason.startsWith('wrong PSK'))
      void this.#coap.ingest.auditAuthFailure(
        `device:${link.identity.productKey}/${link.identity.deviceName}`,
        c.peer.address,
        { reason: 'wrong PSK', dtls: true },
      );
  }

  async #data(c: ServerConnection<DeviceLink>, data: Buffer) {
    const m = parseCoap(data);
    const link = c.context;
    if (!m || !link || m.type === coapType.ack || m.type === coapType.rst) return;
    // An empty CON is a CoAP ping: answered with a reset (RFC 7252 §4.3). Responses need no answer.
    if (m.code === 0 && m.type === coapType.con)
      return c.send(
        encodeCoap({ ...m, type: coapType.rst, token: Buffer.alloc(0), options: [], payload: Buffer.alloc(0) }),
      );
    if (m.code >> 5 !== 0 || m.code === 0) return;
    const again = link.answers.get(m.messageId);
    if (again && m.type === coapType.con) return c.send(again);
    const session = await link.ready;
    const answer = await this.#coap.handleRequest({
      method: METHODS[m.code] ?? 'UNKNOWN',
      path: coapPath(m),
      payload: m.payload,
      ip: c.peer.address,
      device: session,
    });
    const out = encodeCoap(this.#response(m, answer));
    if (m.type === coapType.con) {
      link.answers.set(m.messageId, out);
      if (link.answers.size > ANSWERS_KEPT) link.answers.delete(link.answers.keys().next().value as number);
    }
    c.send(out);
    if (!this.#coap.ingest.tokens.check(session.token).ok) c.close('device session ended');
  }

  #response(req: CoapMessage, a: IngestAnswer): CoapMessage {
    const con = req.type === coapType.con;
    return {
      type: con ? coapType.ack : coapType.non,
      code: coapCodeByte(coapCode[a.status] ?? '5.00'),
      messageId: con ? req.messageId : (req.messageId + 0x8000) & 0xffff,
      token: req.token,
      options: [{ number: coapOption.contentFormat, value: Buffer.from([50]) }],
      payload: Buffer.from(JSON.stringify(a.body)),
    };
  }
}

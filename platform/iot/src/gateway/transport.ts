import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { Aedes, Client, PublishPacket } from 'aedes';
import { topicMatches } from '../alink/topics.ts';
import { certificateFingerprint } from '../registry/certificates.ts';

export interface ListenOptions {
  port: number;
  host: string;
  tls?: { port: number; options: TlsOptions };
}

function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

/**
 * The fingerprint of the client certificate a TLS connection presented, when the listener verified it against the
 * device CA; undefined on plain MQTT, without a certificate, or for one the CA did not issue.
 */
export function verifiedCertificate(client: Client): string | undefined {
  const conn = client.conn as unknown as { authorized?: boolean; getPeerCertificate?: () => { raw?: Buffer } };
  if (conn.authorized !== true || typeof conn.getPeerCertificate !== 'function') return undefined;
  const raw = conn.getPeerCertificate()?.raw;
  return raw?.length ? certificateFingerprint(raw) : undefined;
}

/** Plain MQTT and, when configured, MQTT over TLS, both feeding one broker. */
export async function openListeners(broker: Aedes, opts: ListenOptions) {
  const servers: Server[] = [];
  const plain = createServer(broker.handle);
  const port = await listenOn(plain, opts.port, opts.host);
  servers.push(plain);
  let tlsPort: number | undefined;
  if (opts.tls) {
    const secure = createTlsServer(opts.tls.options, broker.handle);
    tlsPort = await listenOn(secure, opts.tls.port, opts.host);
    servers.push(secure);
  }
  const close = () => {
    for (const s of servers) s.close();
  };
  return { port, tlsPort, close };
}

/** A publish packet: JSON, or the bytes as they are when the payload is a Buffer (raw-data topics). */
export const jsonPacket = (topic: string, payload: unknown, qos: 0 | 1 = 0) =>
  ({
    cmd: 'publish',
    topic,
    payload: Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload)),
    qos,
    retain: false,
    dup: false,
  }) as PublishPacket;

/** Whether one of the client's subscriptions matches the topic. */
export function subscribed(client: Client, topic: string): boolean {
  const subs = (client as unknown as { subscriptions: Record<string, unknown> }).subscriptions;
  // Most devices subscribe to the exact reply topic: a key lookup before matching every filter.
  return Object.hasOwn(subs, topic) || Object.keys(subs).some((f) => topicMatches(f, topic));
}

/**
 * Writes a message to one client's connection, bypassing the broker's routing: for answers meant for that client
 * alone. With `onlyIfSubscribed`, nothing is sent unless one of the client's filters matches the topic.
 */
export function sendTo(client: Client, topic: string, payload: unknown, onlyIfSubscribed: boolean, done?: () => void) {
  if (client.closed) return;
  if (onlyIfSubscribed && !subscribed(client, topic)) return;
  client.publish(jsonPacket(topic, payload), () => done?.());
}

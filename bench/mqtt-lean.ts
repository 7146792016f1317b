// A lean MQTT 3.1.1 client for the IoT load generator (bench/iot-load.ts): one socket, packets built by mqtt-packet
// and parsed by its parser, and nothing else: no outgoing store, no retries, no keep-alive timer, no reconnects.
// The generator shares two cores with the gateway it measures, so its own cost per message must stay small; a full
// client library spends several times more per publish. It does what the benchmark needs and no more: connect,
// subscribe, QoS 0/1 publish, incoming publishes handed to `onMessage`, PUBACKs counted.
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

export interface Credentials {
  clientId: string;
  username: string;
  password: string;
}

/** A CONNACK other than 0, or no CONNACK in time: `code` is the return code or 'timeout' / the socket error. */
export class ConnectRefused extends Error {
  readonly code: string;
  constructor(code: string) {
    super(`connection refused: ${code}`);
    this.code = code;
  }
}

export class LeanClient {
  readonly #socket: Socket;
  #nextId = 0;
  readonly #subacks = new Map<number, () => void>();
  pubacks = 0;
  /** Called for every message the server publishes to this client. */
  onMessage: (topic: string, payload: Buffer) => void = () => {};

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Connects with clean session and a 300 s keep-alive; resolves on CONNACK 0. */
  static open(port: number, creds: Credentials, timeoutMs = 30_000): Promise<LeanClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', noDelay: true });
      const client = new LeanClient(socket);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      let settled = false;
      const fail = (code: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(new ConnectRefused(code));
      };
      const timer = setTimeout(() => fail('timeout'), timeoutMs);
      socket.on('data', (b: Buffer) => parser.parse(b));
      socket.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
      socket.on('close', () => fail('closed'));
      parser.on('error', (err: Error) => fail(`parse: ${err.message}`));
      parser.on('packet', (p) => {
        switch (p.cmd) {
          case 'connack':
            if (p.returnCode !== 0) return fail(String(p.returnCode));
            settled = true;
            clearTimeout(timer);
            resolve(client);
            return;
          case 'puback':
            client.pubacks++;
            return;
          case 'suback':
            client.#subacks.get(p.messageId ?? 0)?.();
            return;
          case 'publish':
            if (p.qos === 1) client.#write({ cmd: 'puback', messageId: p.messageId });
            client.onMessage(p.topic, p.payload as Buffer);
            return;
        }
      });
      client.#write({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        keepalive: 300,
        clientId: creds.clientId,
        username: creds.username,
        password: Buffer.from(creds.password),
      });
    });
  }

  #write(packet: mqttPacket.Packet) {
    this.#socket.write(mqttPacket.generate(packet));
  }

  #id(): number {
    this.#nextId = (this.#nextId % 65535) + 1;
    return this.#nextId;
  }

  subscribe(topic: string): Promise<void> {
    const messageId = this.#id();
    return new Promise((resolve) => {
      this.#subacks.set(messageId, () => {
        this.#subacks.delete(messageId);
        resolve();
      });
      this.#write({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos: 0 }] });
    });
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1): void {
    this.#write({
      cmd: 'publish',
      topic,
      payload,
      qos,
      retain: false,
      dup: false,
      ...(qos ? { messageId: this.#id() } : {}),
    });
  }

  /** Sends DISCONNECT and closes; resolves when the socket is closed. */
  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#socket.destroyed) return resolve();
      this.#socket.once('close', () => resolve());
      this.#socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
      setTimeout(() => this.#socket.destroy(), 5000).unref();
    });
  }
}

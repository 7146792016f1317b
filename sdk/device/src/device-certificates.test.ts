// Devices signing in with X.509 client certificates from the platform's device CA (DB33 9.2.1.1), over MQTT on TLS,
// with the SDK a device maker would use. The certificates are checked with the system openssl as well.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testEngines } from '@shequ/db';
import {
  getDeviceDetail,
  iotFixture,
  issueDeviceCertificate,
  listDeviceCertificates,
  revokeDeviceCertificate,
  setRequireCertificate,
} from '@shequ/iot';
import { connectDevice } from './index.ts';
import { selfSigned } from './testing.ts';

const actor = { subject: 'user:operator', role: 'community_operator' };

/** Runs openssl in a scratch directory holding `files`; answers its stdout and the text of the files it wrote. */
function openssl(args: string[], files: Record<string, string | Buffer> = {}, outputs: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'shequ-x509-'));
  try {
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
    const out = execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { out, files: Object.fromEntries(outputs.map((name) => [name, readFileSync(join(dir, name), 'utf8')])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A device-made key and certificate signing request (the key stays with the device). */
function deviceCsr(cn: string) {
  const r = openssl(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      'key.pem',
      '-out',
      'csr.pem',
    ],
    {},
    ['key.pem', 'csr.pem'],
  );
  return { key: r.files['key.pem'], csr: r.files['csr.pem'] };
}

/** A certificate for the same name from a CA the platform does not know. */
function foreignCertificate(cn: string) {
  const r = openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
    ],
    {},
    ['cert.pem', 'key.pem'],
  );
  return { cert: r.files['cert.pem'], key: r.files['key.pem'] };
}

/** An AppError of the platform (code, zh/en message, field errors), told by its shape. */
const appError = (code: string, field?: string) => (e: unknown) => {
  const x = e as { code?: string; fieldErrors?: Record<string, unknown> };
  return x?.code === code && (field === undefined || x.fieldErrors?.[field] !== undefined);
};

/** Waits for `check` to hold, polling (a kicked session closes asynchronously). */
async function until(check: () => boolean | Promise<boolean>, ms = 5_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail('condition not reached in time');
}

for (const engine of testEngines()) {
  describe(`device certificates over MQTT on TLS (${engine})`, () => {
    const tls = selfSigned();
    let f: Awaited<ReturnType<typeof iotFixture>>;
    before(async () => {
      f = await iotFixture(engine, {}, { tls: { port: 0, options: { cert: tls.cert, key: tls.key } } });
    });
    after(async () => {
      await f?.close();
    });
    const url = () => `mqtts://127.0.0.1:${f.tlsPort}`;

    test('a certificate made by the platform signs the device in without its secret; openssl verifies the chain', async () => {
      const [d] = f.devices;
      const issued = await issueDeviceCertificate(f.iot.deps, f.scope, d.productKey, d.deviceName, {}, actor);
      assert.ok(issued.privateKeyPem?.includes('BEGIN PRIVATE KEY'), 'the platform-made key is handed out once');
      assert.match(issued.serial, /^[0-9A-F]+$/);
      const v = openssl(['verify', '-CAfile', 'ca.pem', '-purpose', 'sslclient', 'cert.pem'], {
        'ca.pem': issued.caPem,
        'cert.pem': issued.certificatePem,
      });
      assert.match(v.out, /cert\.pem: OK/);
      const text = openssl(['x509', '-in', 'cert.pem', '-noout', '-subject', '-ext', 'extendedKeyUsage'], {
        'cert.pem': issued.certificatePem,
      }).out;
      assert.match(text, new RegExp(`CN ?= ?${d.deviceName}&${d.productKey}`));
      assert.match(text, /TLS Web Client Authentication/);

      const dev = await connectDevice({
        url: url(),
        device: { productKey: d.productKey, deviceName: d.deviceName },
        certificate: { cert: issued.certificatePem, key: issued.privateKeyPem! },
        ca: tls.cert,
      });
      try {
        assert.equal((await dev.postProperties({ activePower: 3.5 })).code, 200);
        const detail = await getDeviceDetail(f.iot.deps, f.scope, d.productKey, d.deviceName);
        assert.equal(detail.properties.activePower.value, 3.5);
        assert.equal(detail.online, true);
      } finally {
        await dev.close();
      }
      const list = await listDeviceCertificates(f.iot.deps, f.scope, d.productKey, d.deviceName);
      assert.equal(list.certificates.length, 1);
      assert.equal(list.certificates[0].status, 'valid');
      assert.equal(list.certificates[0].keySource, 'platform');
    });

    test('a certificate from the device’s own CSR; revoking it ends the live session and refuses the next connect', async () => {
      const [, d] = f.devices;
      const { key, csr } = deviceCsr(`${d.deviceName}&${d.productKey}`);
      const issued = await issueDeviceCertificate(
        f.iot.deps,
        f.scope,
        d.productKey,
        d.deviceName,
        { csrPem: csr },
        actor,
      );
      assert.equal(issued.privateKeyPem, undefined, 'the key never left the device');
      const cert = { cert: issued.certificatePem, key };
      const dev = await connectDevice({ url: url(), device: d, certificate: cert, ca: tls.cert });
      let closed = false;
      dev.mqtt.on('close', () => {
        closed = true;
      });
      assert.equal((await dev.postProperties({ activePower: 1 })).code, 200);
      await revokeDeviceCertificate(f.iot.deps, f.scope, d.productKey, d.deviceName, issued.serial, actor);
      await until(() => closed);
      await dev.close();
      await assert.rejects(
        connectDevice({ url: url(), device: d, certificate: cert, ca: tls.cert }),
        /Bad username or password|refused|4/i,
      );
      // Revoked twice: a clear conflict.
      await assert.rejects(
        revokeDeviceCertificate(f.iot.deps, f.scope, d.productKey, d.deviceName, issued.serial, actor),
        appError('CONFLICT'),
      );
      // The secret still works: the device was not made certificate-only.
      const bySecret = await connectDevice({ url: url(), device: d, ca: tls.cert });
      await bySecret.close();
    });

    test('certificate-only access refuses the secret, on MQTT and for a live secret session', async () => {
      const [d] = f.devices;
      const bySecret = await connectDevice({ url: url(), device: d, ca: tls.cert });
      let closed = false;
      bySecret.mqtt.on('close', () => {
        closed = true;
      });
      await setRequireCertificate(f.iot.deps, f.scope, d.productKey, d.deviceName, true, actor);
      await until(() => closed);
      await bySecret.close();
      await assert.rejects(connectDevice({ url: `mqtt://127.0.0.1:${f.port}`, device: d }), /Not authorized|5/i);
      // Its certificate still signs it in.
      const issued = await issueDeviceCertificate(f.iot.deps, f.scope, d.productKey, d.deviceName, {}, actor);
      const dev = await connectDevice({
        url: url(),
        device: d,
        certificate: { cert: issued.certificatePem, key: issued.privateKeyPem! },
        ca: tls.cert,
      });
      assert.equal((await dev.postProperties({ activePower: 2 })).code, 200);
      await dev.close();
      await setRequireCertificate(f.iot.deps, f.scope, d.productKey, d.deviceName, false, actor);
    });

    test('refused: a foreign CA’s certificate, another device’s name, a forged CSR, bad validity', async () => {
      const [d1, d2] = f.devices;
      const foreign = foreignCertificate(`${d1.deviceName}&${d1.productKey}`);
      // Not issued by the device CA: no certificate sign-in, and without a password nothing else either.
      await assert.rejects(
        connectDevice({ url: url(), device: d1, certificate: foreign, ca: tls.cert }),
        /Bad username or password|refused|4/i,
      );
      const issued = await issueDeviceCertificate(f.iot.deps, f.scope, d1.productKey, d1.deviceName, {}, actor);
      await assert.rejects(
        connectDevice({
          url: url(),
          device: { productKey: d2.productKey, deviceName: d2.deviceName },
          certificate: { cert: issued.certificatePem, key: issued.privateKeyPem! },
          ca: tls.cert,
        }),
        /Bad username or password|refused|4/i,
        'a certificate of device 1 does not sign in device 2',
      );
      // A request whose subject was changed after it was signed: it parses, but its signature no longer holds.
      const { csr } = deviceCsr('forgery-check');
      const der = Buffer.from(csr.replace(/-----[A-Z ]+-----|\s+/g, ''), 'base64');
      const at = der.indexOf('forgery');
      assert.ok(at > 0);
      der.write('FORGERY', at, 'latin1');
      const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
      for (const bad of [forged, 'not a csr']) {
        await assert.rejects(
          issueDeviceCertificate(f.iot.deps, f.scope, d1.productKey, d1.deviceName, { csrPem: bad }, actor),
          appError('INVALID_INPUT', 'csrPem'),
        );
      }
      await assert.rejects(
        issueDeviceCertificate(f.iot.deps, f.scope, d1.productKey, d1.deviceName, { days: 0 }, actor),
        appError('INVALID_INPUT', 'days'),
      );
    });

    test('certificate-only access needs a valid certificate first; another community sees none', async () => {
      const [d] = f.devices;
      // Revoke every certificate of device 1, then certificate-only is refused.
      const list = await listDeviceCertificates(f.iot.deps, f.scope, d.productKey, d.deviceName);
      for (const c of list.certificates.filter((c) => c.status === 'valid'))
        await revokeDeviceCertificate(f.iot.deps, f.scope, d.productKey, d.deviceName, c.serial, actor);
      await assert.rejects(
        setRequireCertificate(f.iot.deps, f.scope, d.productKey, d.deviceName, true, actor),
        appError('CONFLICT'),
      );
      const elsewhere = { kind: 'communities' as const, ids: ['00000000-0000-4000-8000-000000000001'] };
      await assert.rejects(
        listDeviceCertificates(f.iot.deps, elsewhere, d.productKey, d.deviceName),
        appError('NOT_FOUND'),
      );
    });
  });
}

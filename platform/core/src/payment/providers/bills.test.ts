import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import JSZip from 'jszip';
import { ConfigError, loadConfig } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { innFields, parseAlipayBill, parseUnionPayInn, readAlipayBillZip, readUnionPayFileContent } from './bills.ts';
import { paymentEnv, providersFromEnv } from './env.ts';
import type { ProviderRequest } from './transport.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const alipayCsv = fixture('alipay-20260301-detail.csv');
const inn = fixture('INN26030188ZM_777290058110097').toString('latin1');
// 业务明细 in GBK: the real archive names its entries in GBK, without the UTF-8 flag.
const gbkDetail = Buffer.from('d2b5cef1c3f7cfb8', 'hex');

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const pubPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const files: Record<string, string> = { '/keys/app.pem': pem, '/keys/pub.pem': pubPem, '/keys/bad.txt': 'nope' };
const read = (p: string) => {
  if (!(p in files)) throw new Error('ENOENT');
  return files[p];
};

async function alipayZip() {
  const z = new JSZip();
  z.file('20880000000000000156_20260301_DETAIL.csv', alipayCsv);
  z.file('20880000000000000156_20260301_SUMMARY.csv', 'summary');
  return z.generateAsync({
    type: 'uint8array',
    // JSZip accepts bytes here (its typings say string).
    encodeFileName: (name: string): string =>
      Buffer.concat([
        Buffer.from(name.replace(/_(DETAIL|SUMMARY)\.csv$/, '_')),
        gbkDetail,
        Buffer.from(name.includes('SUMMARY') ? '(\xbb\xe3\xd7\xdc).csv' : '.csv', 'latin1'),
      ]) as unknown as string,
  });
}

describe('provider bills', () => {
  test("Alipay's GBK trade detail CSV: comment lines skipped, columns by header, refunds by request number", () => {
    const lines = parseAlipayBill(alipayCsv);
    assert.deepEqual(
      lines.map((l) => [l.kind, l.reference, l.outTradeNo, l.amountFen]),
      [
        ['capture', '2026030122001400000000000001', 'SQ20260301aaaa', 1234],
        ['capture', '2026030122001400000000000002', 'SQ20260301bbbb', 10000],
        ['refund', 'RF0301bbbb01', 'SQ20260301bbbb', 2550],
      ],
    );
    assert.equal(lines[2].at, '2026-03-01T15:30:00.000+08:00');
    // A bill without the columns we match on is refused, not half-read.
    assert.throws(
      () => parseAlipayBill('#x\n支付宝交易号,业务类型\n1,交易\n'),
      (e) => e instanceof AppError && /商户订单号/.test(e.messageEn),
    );
  });

  test('the Alipay bill zip (GBK entry names) yields the detail file only', async () => {
    const lines = await readAlipayBillZip(await alipayZip());
    assert.equal(lines.length, 3);
  });

  test("UnionPay's fixed-width INN file and its |-separated variant: consumes and refunds in fen", async () => {
    const lines = parseUnionPayInn(inn, '2026-03-01');
    assert.deepEqual(
      lines.map((l) => [l.kind, l.reference, l.outTradeNo, l.amountFen, l.at]),
      [
        ['capture', '752603011015000012345', 'SQ20260301cccc', 2000, '2026-03-01T10:15:00.000+08:00'],
        ['capture', '752603011200000054321', 'SQ20260301dddd', 88888, '2026-03-01T12:00:00.000+08:00'],
        ['refund', 'RF0301cccc01', '752603011015000012345', 500, '2026-03-01T16:30:00.000+08:00'],
      ],
    );
    const piped = inn
      .split(/\r?\n/)
      .filter(Boolean)
      .map((l) => {
        let at = 0;
        return innFields
          .map(([, width]) => {
            const f = l.slice(at, at + width).trim();
            at += width + 1;
            return f;
          })
          .join('|');
      })
      .join('\n');
    assert.deepEqual(parseUnionPayInn(piped, '2026-03-01'), lines);
    const z = new JSZip();
    z.file('INN26030188ZM_777290058110097', inn);
    z.file('INN26030101ZM_777290058110097', '');
    z.file('IND26030188ACOMN', 'other file');
    const content = deflateSync(await z.generateAsync({ type: 'uint8array' })).toString('base64');
    assert.equal((await readUnionPayFileContent(content, '2026-03-01')).length, 3);
    assert.throws(
      () => parseUnionPayInn('S22 garbage', '2026-03-01'),
      (e) => e instanceof AppError && e.code === 'INVALID_INPUT',
    );
  });

  test('a January file reads a December transmission time as the year before', () => {
    const dec = inn.split(/\r?\n/)[0].replace('0301101500', '1231235900');
    assert.equal(parseUnionPayInn(dec, '2027-01-01')[0].at, '2026-12-31T23:59:00.000+08:00');
  });

  test('adapters configured from SHEQU_PAY_* fetch and read their bills through the transport', async () => {
    const zip = await alipayZip();
    const innZip = new JSZip();
    innZip.file('INN26030188ZM_777290058110097', inn);
    const fileContent = deflateSync(await innZip.generateAsync({ type: 'uint8array' })).toString('base64');
    const seen: ProviderRequest[] = [];
    const transport = async (req: ProviderRequest) => {
      seen.push(req);
      if (req.url.startsWith('https://openapi.alipay.com')) {
        return {
          status: 200,
          body: JSON.stringify({
            alipay_data_dataservice_bill_downloadurl_query_response: {
              code: '10000',
              bill_download_url: 'https://dwbillcenter.alipay.com/downloadBillFile.resource?bizType=trade&fileId=1',
            },
          }),
        };
      }
      if (req.url.startsWith('https://dwbillcenter')) return { status: 200, body: '', bytes: zip };
      if (req.url.endsWith('/fileTransfer.do')) {
        return { status: 200, body: new URLSearchParams({ respCode: '00', fileContent }).toString() };
      }
      throw new Error(`unexpected ${req.url}`);
    };
    const env = {
      SHEQU_PAY_ALIPAY_APPID: '2021000000000001',
      SHEQU_PAY_ALIPAY_KEY_FILE: '/keys/app.pem',
      SHEQU_PAY_ALIPAY_PUBLIC_KEY_FILE: '/keys/pub.pem',
      SHEQU_PAY_UNIONPAY_MERID: '777290058110097',
      SHEQU_PAY_UNIONPAY_CERT_ID: '69629715588',
      SHEQU_PAY_UNIONPAY_KEY_FILE: '/keys/app.pem',
      SHEQU_PAY_UNIONPAY_PUBLIC_KEY_FILE: '/keys/pub.pem',
    };
    const p = providersFromEnv(loadConfig(env).paymentProviders, { transport, read });
    assert.equal((await p.alipay.bill('2026-03-01')).length, 3);
    assert.equal((await p.unionpay.bill('2026-03-01')).length, 3);
    const biz = JSON.parse(new URLSearchParams(seen[0].body).get('biz_content') ?? '{}');
    assert.deepEqual(biz, { bill_type: 'trade', bill_date: '2026-03-01' });
    assert.equal(new URLSearchParams(seen.at(-1)?.body).get('settleDate'), '0301');
    // WeChat has none of its variables: its refusal names every one of them.
    await assert.rejects(p.wechat.bill('2026-03-01'), (e) => {
      assert.ok(e instanceof AppError && e.code === 'UNAVAILABLE');
      for (const v of Object.values(paymentEnv.wechat)) assert.match(e.messageEn, new RegExp(v));
      return true;
    });
  });

  test('a provider missing some variables names exactly those; unreadable key files stop start-up', async () => {
    const p = providersFromEnv(
      { SHEQU_PAY_UNIONPAY_MERID: '777', SHEQU_PAY_UNIONPAY_KEY_FILE: '/keys/app.pem' },
      { read },
    );
    await assert.rejects(p.unionpay.bill('2026-03-01'), (e) => {
      assert.ok(e instanceof AppError);
      assert.match(
        e.messageZh,
        /银联支付未配置（缺少 SHEQU_PAY_UNIONPAY_CERT_ID、SHEQU_PAY_UNIONPAY_PUBLIC_KEY_FILE）/,
      );
      return true;
    });
    assert.throws(
      () => providersFromEnv({ SHEQU_PAY_ALIPAY_KEY_FILE: '/keys/missing.pem' }, { read }),
      (e) => e instanceof ConfigError && /SHEQU_PAY_ALIPAY_KEY_FILE/.test(e.message),
    );
    assert.throws(
      () => providersFromEnv({ SHEQU_PAY_ALIPAY_KEY_FILE: '/keys/bad.txt' }, { read }),
      (e) => e instanceof ConfigError && /not a PEM/.test(e.message),
    );
    assert.throws(
      () => providersFromEnv({ SHEQU_PAY_WECHAT_PLATFORM_CERTS: 'justapath' }, { read }),
      (e) => e instanceof ConfigError && /serial=path/.test(e.message),
    );
    const w = providersFromEnv(
      {
        SHEQU_PAY_WECHAT_MCHID: '1900000001',
        SHEQU_PAY_WECHAT_APPID: 'wx1',
        SHEQU_PAY_WECHAT_SERIAL_NO: 'S1',
        SHEQU_PAY_WECHAT_KEY_FILE: '/keys/app.pem',
        SHEQU_PAY_WECHAT_APIV3_KEY: '0123456789abcdef0123456789abcdef',
        SHEQU_PAY_WECHAT_PLATFORM_CERTS: 'P1=/keys/pub.pem',
      },
      { read },
    ).wechat;
    // Configured (no transport in this build): it gets past configuration and refuses only the network call.
    await assert.rejects(w.bill('2026-03-01'), (e) => e instanceof AppError && /不允许对外网络请求/.test(e.messageZh));
  });
});

import assert from 'node:assert/strict';
import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { AppError } from '../../errors.ts';
import { AlipayProvider } from './alipay.ts';
import { rsa2Verify, signContent } from './alipay-rsa2.ts';
import { UnionPayProvider, unionpayContent } from './unionpay.ts';
import { parseWechatBill, WechatPayProvider } from './wechat.ts';
import { decryptResource, encryptResource, verifyLines } from './wechat-v3.ts';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const pubPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const unavailable = (re: RegExp) => (e: unknown) =>
  e instanceof AppError && e.code === 'UNAVAILABLE' && re.test(e.messageZh);

describe('provider adapters', () => {
  test('without credentials every adapter refuses clearly, before anything leaves the process', async () => {
    const req = { outTradeNo: 'SQ1', amountFen: 100, subject: 'x', notifyUrl: '/n', capture: 'auto' as const };
    await assert.rejects(new WechatPayProvider().initiate(req), unavailable(/微信支付未配置（缺少 mchId/));
    await assert.rejects(
      new AlipayProvider({ appId: '2021' }).initiate(req),
      unavailable(/支付宝未配置（缺少 privateKeyPem/),
    );
    await assert.rejects(new UnionPayProvider().status({ outTradeNo: 'SQ1' }), unavailable(/银联支付未配置/));
    assert.throws(() => new WechatPayProvider().webhook({ headers: {}, body: '' }, Date.now()), unavailable(/未配置/));
  });

  test('configured but with no transport: requests are built and signed, then refused (no network)', async () => {
    const wx = new WechatPayProvider({
      mchId: '1900000001',
      appId: 'wx123',
      serialNo: 'ABC',
      privateKeyPem: pem,
      apiV3Key: '0123456789abcdef0123456789abcdef',
      platformKeys: { P1: pubPem },
    });
    const r = wx.buildRequest(
      'POST',
      '/v3/pay/transactions/jsapi',
      { out_trade_no: 'SQ1', amount: { total: 1 } },
      1_700_000_000_000,
    );
    const m = /mchid="(\d+)",nonce_str="(\w+)",signature="([^"]+)",timestamp="(\d+)",serial_no="ABC"/.exec(
      r.headers.Authorization,
    );
    assert.ok(m);
    assert.ok(verifyLines(keys.publicKey, ['POST', '/v3/pay/transactions/jsapi', m[4], m[2], r.body], m[3]));
    assert.equal(r.url, 'https://api.mch.weixin.qq.com/v3/pay/transactions/jsapi');
    await assert.rejects(
      wx.refund({ outTradeNo: 'a', outRefundNo: 'b', amountFen: 1, totalFen: 1 }),
      unavailable(/不允许对外网络请求/),
    );

    const ali = new AlipayProvider({ appId: '2021000', privateKeyPem: pem, alipayPublicKeyPem: pubPem });
    const a = Object.fromEntries(
      new URLSearchParams(ali.buildRequest('alipay.trade.query', { out_trade_no: 'SQ1' }).body),
    );
    assert.equal(a.sign_type, 'RSA2');
    assert.ok(rsa2Verify(keys.publicKey, signContent(a, false), a.sign));
    await assert.rejects(ali.status({ outTradeNo: 'SQ1' }), unavailable(/不允许对外网络请求/));

    const up = new UnionPayProvider({ merId: '777', certId: '1', privateKeyPem: pem, unionPayPublicKeyPem: pubPem });
    const u = Object.fromEntries(
      new URLSearchParams(up.buildRequest('backTransReq.do', { txnType: '04', txnAmt: '100' }).body),
    );
    assert.ok(
      createVerify('RSA-SHA256').update(unionpayContent(u)).verify(createPublicKey(pubPem), u.signature, 'base64'),
    );
    assert.equal(u.version, '5.1.0');
  });

  test('AES-256-GCM resources round-trip; a flipped byte does not decrypt', () => {
    const key = Buffer.alloc(32, 7);
    const enc = encryptResource(key, '{"a":1}', 'transaction', 'transaction');
    assert.equal(decryptResource(key, enc), '{"a":1}');
    const bad = Buffer.from(enc.ciphertext, 'base64');
    bad[0] ^= 1;
    assert.throws(
      () => decryptResource(key, { ...enc, ciphertext: bad.toString('base64') }),
      (e) => e instanceof AppError && e.code === 'FORBIDDEN',
    );
  });

  test("WeChat's trade bill CSV is read into captures and refunds in fen", () => {
    const csv = [
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态',
      '`2026-03-01 10:00:00,`wx1,`19,`0,`,`4200001,`SQ1,`o1,`JSAPI,`SUCCESS,`CMB,`CNY,`12.34,`0.00,`0,`0,`0.00,`0.00,`,`',
      '`2026-03-01 11:00:00,`wx1,`19,`0,`,`4200001,`SQ1,`o1,`JSAPI,`REFUND,`CMB,`CNY,`0.00,`0.00,`50001,`RF1,`2.30,`0.00,`ORIGINAL,`SUCCESS',
    ].join('\n');
    assert.deepEqual(
      parseWechatBill(csv).map((l) => [l.kind, l.reference, l.amountFen]),
      [
        ['capture', '4200001', 1234],
        ['refund', 'RF1', 230],
      ],
    );
  });
});

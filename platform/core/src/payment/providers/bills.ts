import { inflateSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import JSZip from 'jszip';
import { DateTime } from 'luxon';
import { AppError } from '../../errors.ts';
import { fenOf } from '../money.ts';
import type { BillLine } from './types.ts';

const zone = 'Asia/Shanghai';
const gbk = new TextDecoder('gbk');

const badBill = (provider: string, why: string) =>
  new AppError('INVALID_INPUT', {
    zh: `${provider}账单无法读取：${why}`,
    en: `The ${provider} bill cannot be read: ${why}`,
  });

/** A signed yuan amount (`-12.30`, `12.3`) as integer fen, exactly. */
const signedFen = (text: string) => {
  const t = text.trim();
  return t.startsWith('-') ? -fenOf(t.slice(1)) : fenOf(t.replace(/^\+/, ''));
};

/**
 * Alipay's trade detail bill (业务明细): a CSV, GBK-encoded in the real file, framed by comment lines starting with
 * `#` (account, dates, then totals and the export time after the rows). The columns are read by their header names,
 * not positions: 支付宝交易号, 商户订单号, 业务类型 (交易 or 退款), 完成时间, 订单金额（元） (negative for a refund),
 * 退款批次号/请求号 (our refund number), 服务费（元）… Cells often carry trailing tabs or spaces; they are trimmed.
 */
export function parseAlipayBill(input: string | Uint8Array): BillLine[] {
  const text = typeof input === 'string' ? input : gbk.decode(input);
  const body = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .join('\n');
  const rows = parse(body, { relax_column_count: true, trim: true }) as string[][];
  const [header, ...data] = rows;
  if (!header) return [];
  const col = (name: string) => {
    const i = header.findIndex((h) => h.replace(/\s/g, '') === name);
    if (i < 0) throw badBill('支付宝', `missing column ${name}`);
    return i;
  };
  const tradeNo = col('支付宝交易号');
  const outTradeNo = col('商户订单号');
  const kind = col('业务类型');
  const done = col('完成时间');
  const amount = col('订单金额（元）');
  const refundNo = col('退款批次号/请求号');
  const out: BillLine[] = [];
  for (const f of data) {
    const type = f[kind] ?? '';
    if (type !== '交易' && type !== '退款') continue;
    const fen = signedFen(f[amount] ?? '');
    const at = DateTime.fromFormat(f[done] ?? '', 'yyyy-MM-dd HH:mm:ss', { zone }).toISO() ?? f[done] ?? '';
    if (type === '交易')
      out.push({ kind: 'capture', reference: f[tradeNo], outTradeNo: f[outTradeNo], amountFen: fen, at });
    else out.push({ kind: 'refund', reference: f[refundNo], outTradeNo: f[outTradeNo], amountFen: Math.abs(fen), at });
  }
  return out;
}

/** The downloaded Alipay bill: a zip with the detail CSV and a summary (汇总) CSV, names and contents in GBK. */
export async function readAlipayBillZip(zip: Uint8Array): Promise<BillLine[]> {
  const z = await JSZip.loadAsync(zip, { decodeFileName: (b) => gbk.decode(b as Uint8Array) });
  const detail = Object.values(z.files).find(
    (f) => !f.dir && f.name.endsWith('.csv') && f.name.includes('业务明细') && !f.name.includes('汇总'),
  );
  if (!detail) throw badBill('支付宝', 'no 业务明细 CSV in the archive');
  return parseAlipayBill(await detail.async('uint8array'));
}

/**
 * UnionPay's merchant transaction file (全渠道 INN 流水文件): one fixed-width record a line, each field padded to its
 * width and followed by one space. Amounts are 12 digits of fen. The fields used: 交易传输时间 (MMDDhhmmss),
 * 交易金额, 查询流水号 (queryId), 商户订单号 (orderId; our refund number on a refund), 交易类型 (01 consume,
 * 03 pre-authorisation completion, 04 refund), 原交易查询流水号. The `|`-separated variant some acquirers deliver is
 * read too.
 */
export const innFields: [name: string, width: number][] = [
  ['tradeCode', 3],
  ['acqInsCode', 11],
  ['sendInsCode', 11],
  ['traceNo', 6],
  ['txnTime', 10],
  ['payCardNo', 19],
  ['txnAmt', 12],
  ['merCatCode', 4],
  ['termType', 2],
  ['queryId', 21],
  ['oldPayType', 2],
  ['orderId', 32],
  ['payCardType', 2],
  ['origTraceNo', 6],
  ['origTxnTime', 10],
  ['merCharge', 13],
  ['settleAmt', 13],
  ['payType', 4],
  ['groupMerCode', 15],
  ['txnType', 2],
  ['txnSubType', 2],
  ['bizType', 6],
  ['accType', 2],
  ['billType', 4],
  ['billNo', 32],
  ['interactMode', 1],
  ['origQryId', 21],
  ['merId', 15],
];

export function parseUnionPayInn(text: string, settleDay: string): BillLine[] {
  const year = Number(settleDay.slice(0, 4));
  const settleMonth = Number(settleDay.slice(5, 7));
  const out: BillLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    const rec: Record<string, string> = {};
    if (raw.includes('|')) {
      const parts = raw.split('|');
      innFields.forEach(([name], i) => {
        rec[name] = (parts[i] ?? '').trim();
      });
    } else {
      let at = 0;
      for (const [name, width] of innFields) {
        rec[name] = raw.slice(at, at + width).trim();
        at += width + 1;
      }
    }
    if (!/^\d{12}$/.test(rec.txnAmt ?? '') || !/^\d{10}$/.test(rec.txnTime ?? '')) {
      throw badBill('银联', `malformed record: ${raw.slice(0, 40)}…`);
    }
    // The transmission time has no year: a December record in a January file belongs to the year before.
    const month = Number(rec.txnTime.slice(0, 2));
    const y = month > settleMonth ? year - 1 : year;
    const at = DateTime.fromFormat(`${y}${rec.txnTime}`, 'yyyyMMddHHmmss', { zone }).toISO() ?? `${y}${rec.txnTime}`;
    const amountFen = Number(rec.txnAmt);
    if (rec.txnType === '01' || rec.txnType === '03')
      out.push({ kind: 'capture', reference: rec.queryId, outTradeNo: rec.orderId, amountFen, at });
    else if (rec.txnType === '04')
      out.push({ kind: 'refund', reference: rec.orderId, outTradeNo: rec.origQryId, amountFen, at });
  }
  return out;
}

/** The `fileContent` of a fileTransfer answer: base64 of a deflated zip; the INN…ZM_ file in it is the day's trades. */
export async function readUnionPayFileContent(fileContent: string, settleDay: string): Promise<BillLine[]> {
  const zip = await JSZip.loadAsync(inflateSync(Buffer.from(fileContent, 'base64')));
  const inn = Object.values(zip.files).filter((f) => !f.dir && /(^|\/)INN\d{6}\d{2}ZM_/.test(f.name));
  if (inn.length === 0) throw badBill('银联', 'no INN…ZM_ transaction file in the archive');
  const lines: BillLine[] = [];
  for (const f of inn) lines.push(...parseUnionPayInn(gbk.decode(await f.async('uint8array')), settleDay));
  return lines;
}

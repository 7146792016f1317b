import { apiScopes } from '@shequ/core';
import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1).max(max);
const address = {
  compound: text(64).describe('小区名称或编码 / compound name or code'),
  building: text(16),
  unit: text(16),
  floor: text(16),
  room: text(16),
};

export const tenantBody = z.strictObject({
  name: text(64),
  idType: z.enum(['id_card', 'hk_macau_tw_permit', 'passport']),
  idNumber: text(32),
  phone: z.string().trim().max(20).optional(),
  ...address,
  validFrom: z.iso.date().describe('租住开始日期 / first day (community date)'),
  validTo: z.iso.date().nullable().optional().describe('租住结束日期，空为未定 / last day, empty when open'),
});

export const visitorBody = z.strictObject({
  visitorName: text(64),
  visitorPhone: z.string().trim().max(20).nullable().optional(),
  house: z.strictObject(address).nullable().optional(),
  validFrom: z.iso.datetime({ offset: true }),
  validUntil: z.iso.datetime({ offset: true }),
  maxEntries: z.number().int().min(1).max(20).optional(),
  note: z.string().trim().max(200).nullable().optional(),
});

export const housesQuery = z.strictObject({
  compound: z.string().trim().max(64).optional(),
  building: z.string().trim().max(16).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const peopleQuery = z.strictObject({
  idNumber: z.string().trim().max(32).optional(),
  name: z.string().trim().min(1).max(64).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const vehiclesQuery = z.strictObject({
  plate: z.string().trim().max(12).optional().describe('车牌前缀 / plate prefix, e.g. 浙A'),
  kind: z.enum(['resident', 'temporary']).optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const spacesQuery = z.strictObject({
  name: z.string().trim().min(1).max(64).optional().describe('名称前缀 / name prefix'),
  useType: z.string().trim().max(32).optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const errorBody = z.object({
  error: z.object({
    appCode: z.string().describe('UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, INVALID_INPUT, …'),
    reason: z
      .enum([
        'missing_headers',
        'unknown_key',
        'disabled_key',
        'bad_signature',
        'timestamp_skew',
        'replayed_nonce',
        'scope_not_granted',
        'rate_limited',
        'body_too_large',
        'invalid_input',
        'not_authorised',
        'not_found',
        'conflict',
      ])
      .optional(),
    messageZh: z.string(),
    messageEn: z.string(),
    fieldErrors: z.record(z.string(), z.array(z.string())).optional(),
    requestId: z.string(),
  }),
});

export const scopeEnum = z.enum(apiScopes);

/** Field errors of a zod failure, by dotted path (`house.room`), messages in English as zod gives them. */
export function zodFieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of error.issues) {
    const keys = i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k]) : [i.path];
    for (const p of keys) {
      const f = p.map(String).join('.') || '_';
      const list = out[f] ?? [];
      list.push(i.code === 'unrecognized_keys' ? '不支持的字段 / unknown field' : i.message);
      out[f] = list;
    }
  }
  return out;
}

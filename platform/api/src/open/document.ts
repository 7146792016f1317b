import { apiScopes } from '@shequ/core';
import { z } from 'zod';
import { errorBody, housesQuery, peopleQuery, tenantBody, visitorBody } from './schemas.ts';

const schema = (s: z.ZodType, io: 'input' | 'output' = 'input') => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const queryParams = (s: z.ZodObject) =>
  Object.entries(schema(s).properties as Record<string, unknown>).map(([name, sch]) => ({
    name,
    in: 'query',
    required: false,
    schema: sch,
  }));

const errors = (extra: Record<string, string> = {}) =>
  Object.fromEntries(
    Object.entries({
      '400': '请求内容有误（fieldErrors 标出字段） / invalid input, fieldErrors name the fields',
      '401':
        '未通过签名校验：缺少请求头、未知或停用的密钥、签名错误、时间戳超出 ±5 分钟、随机数重放 / missing headers, unknown or disabled key, bad signature, timestamp skew, replayed nonce',
      '403': '密钥未被授予所需权限范围 / scope not granted',
      '413': '请求体过大 / body too large',
      '429': '该密钥请求过于频繁 / rate limited',
      ...extra,
    }).map(([code, description]) => [
      code,
      { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    ]),
  );

const security = (scope: string) => [{ ShequKey: [], ShequTimestamp: [], ShequNonce: [], ShequSignature: [scope] }];

/** The paths the document describes; a test checks them against the registered routes. */
export const openApiPaths = [
  ['post', '/open/v1/people/tenants'],
  ['post', '/open/v1/people/visitors'],
  ['get', '/open/v1/houses'],
  ['get', '/open/v1/people'],
  ['get', '/open/v1/openapi.json'],
] as const;

/** The OpenAPI 3.1 document of `/open/v1`, generated from the zod schemas the routes validate with. */
export function openApiDocument(publicUrl: string | null) {
  const signing = (name: string, description: string) => ({ type: 'apiKey', in: 'header', name, description });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Shequ open API / 社区开放接口',
      version: '1.0.0',
      description:
        'Signed REST API for business systems (DB33 9.3.1.5, 6.3.1.4). Every request carries X-Shequ-Key, ' +
        'X-Shequ-Timestamp (ms), X-Shequ-Nonce (16–64 of A–Z a–z 0–9 _ -) and X-Shequ-Signature = hex ' +
        'HMAC-SHA256(secret, METHOD + "\\n" + path + "\\n" + canonical query (pairs RFC 3986-encoded, sorted) + "\\n" + ' +
        'timestamp + "\\n" + nonce + "\\n" + hex SHA-256 of the body). Requests outside ±5 minutes or reusing a nonce ' +
        'are refused. Scopes: ' +
        apiScopes.join(', '),
    },
    servers: publicUrl ? [{ url: publicUrl }] : [],
    components: {
      securitySchemes: {
        ShequKey: signing('X-Shequ-Key', 'The client key id (public)'),
        ShequTimestamp: signing('X-Shequ-Timestamp', 'Milliseconds since the epoch, within ±5 minutes'),
        ShequNonce: signing('X-Shequ-Nonce', '16–64 characters, never reused within the window'),
        ShequSignature: signing('X-Shequ-Signature', 'Hex HMAC-SHA256 of the string to sign with the client secret'),
      },
      schemas: {
        Error: schema(errorBody, 'output'),
        TenantInput: schema(tenantBody),
        VisitorInput: schema(visitorBody),
      },
    },
    paths: {
      '/open/v1/people/tenants': {
        post: {
          summary: '登记或更新租客 / register or update a tenant (idempotent by ID number)',
          security: security('people.tenants.write'),
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/TenantInput' } } },
          },
          responses: {
            '200': { description: 'Updated or unchanged: { personId, houseId, occupancyId, person, occupancy }' },
            '201': { description: 'The person was created' },
            ...errors(),
          },
        },
      },
      '/open/v1/people/visitors': {
        post: {
          summary: '登记访客通行证 / register a visitor pass',
          security: security('people.visitors.write'),
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/VisitorInput' } } },
          },
          responses: { '201': { description: 'The pass with its 8-digit code and QR token' }, ...errors() },
        },
      },
      '/open/v1/houses': {
        get: {
          summary: '本社区房屋（分页） / houses of the community, paged',
          security: security('houses.read'),
          parameters: queryParams(housesQuery),
          responses: { '200': { description: '{ items, nextCursor }' }, ...errors() },
        },
      },
      '/open/v1/people': {
        get: {
          summary: '人员（脱敏） / people with sensitive fields masked',
          security: security('people.read-masked'),
          parameters: queryParams(peopleQuery),
          responses: { '200': { description: '{ items, nextCursor }' }, ...errors() },
        },
      },
      '/open/v1/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
    },
  };
}

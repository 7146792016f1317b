import { apiScopes } from '@shequ/core';
import { exchangeSchemas, type JsonSchema } from '@shequ/schemas';
import { z } from 'zod';
import { errorBody, housesQuery, peopleQuery, spacesQuery, tenantBody, vehiclesQuery, visitorBody } from './schemas.ts';

const schema = (s: z.ZodType, io: 'input' | 'output' = 'input') => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

/** An exchange schema of `schemas/` as an OpenAPI 3.1 schema object (JSON Schema 2020-12 with its `x-` keywords). */
const exchange = (s: JsonSchema) => {
  const { $schema: _, ...rest } = s;
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
  ['post', '/open/v1/houses'],
  ['post', '/open/v1/vehicles'],
  ['get', '/open/v1/vehicles'],
  ['post', '/open/v1/spaces'],
  ['get', '/open/v1/spaces'],
  ['post', '/open/v1/people/occupants'],
  ['post', '/open/v1/people/roles'],
  ['get', '/open/v1/openapi.json'],
] as const;

const upsert = (summary: string, scope: string, body: string) => ({
  summary,
  security: security(scope),
  requestBody: {
    required: true,
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${body}` } } },
  },
  responses: {
    '200': {
      description: 'Updated or unchanged',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/UpsertResult' } } },
    },
    '201': {
      description: 'Created',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/UpsertResult' } } },
    },
    ...errors({ '409': '记录已被同时修改，请重试 / the record changed concurrently; retry' }),
  },
});

/**
 * The OpenAPI 3.1 document of `/open/v1`, generated from the zod schemas the routes validate with and, for the
 * provincial exchange, from the exchange schemas of `schemas/` the base-data services check bodies against.
 */
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
        House: exchange(exchangeSchemas.house),
        Vehicle: exchange(exchangeSchemas.vehicle),
        Space: exchange(exchangeSchemas.space),
        Occupant: exchange(exchangeSchemas.occupant),
        PersonRoles: exchange(exchangeSchemas.personRoles),
        UpsertResult: {
          type: 'object',
          required: ['id', 'result', 'version'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            result: { enum: ['created', 'updated', 'unchanged'] },
            version: { type: 'integer' },
            proposed: { type: 'integer', description: '为运营人员生成的合并建议数 / merge proposals stored' },
          },
        },
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
        post: upsert(
          '登记或更新房屋（按小区+楼栋+单元+楼层+房号） / register or update a house by its address (DB33 6.3.2.2); ' +
            'fields left out keep their values',
          'houses.write',
          'House',
        ),
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
      '/open/v1/vehicles': {
        post: upsert(
          '登记或更新车辆（按车牌+号牌颜色） / register or update a vehicle by plate and plate colour (DB33 6.3.3.2); ' +
            'another owner or compound becomes a merge proposal for the operators',
          'vehicles.write',
          'Vehicle',
        ),
        get: {
          summary: '本社区车辆（车主仅姓名） / vehicles of the community, owners by name only',
          security: security('vehicles.read'),
          parameters: queryParams(vehiclesQuery),
          responses: { '200': { description: '{ items, nextCursor }' }, ...errors() },
        },
      },
      '/open/v1/spaces': {
        post: upsert(
          '登记或更新公共空间（按名称） / register or update a public space by name (DB33 6.3.4.2)',
          'spaces.write',
          'Space',
        ),
        get: {
          summary: '本社区公共空间 / public spaces of the community',
          security: security('spaces.read'),
          parameters: queryParams(spacesQuery),
          responses: { '200': { description: '{ items, nextCursor }' }, ...errors() },
        },
      },
      '/open/v1/people/occupants': {
        post: {
          ...upsert(
            '登记居住人员（业主本人或经业主授权） / record an occupant of a house, by its owner or on an owner’s ' +
              'authorisation (DB33 6.3.1.2)',
            'people.occupants.write',
            'Occupant',
          ),
          responses: {
            '200': {
              description: 'Unchanged or updated: { personId, houseId, occupancyId, person, occupancy, authorisedBy }',
            },
            '201': { description: 'The person or the occupancy was created' },
            ...errors({
              '403':
                '密钥未被授予权限范围，或授权人不是该房屋登记在册的业主 / scope not granted, or the authorising person is not an owner of the house on record',
            }),
          },
        },
      },
      '/open/v1/people/roles': {
        post: {
          ...upsert(
            '更新党员标识或人员类别（基层智治授权） / update the party-member flag or staff category (DB33 6.3.1.3)',
            'people.roles.write',
            'PersonRoles',
          ),
          responses: {
            '200': { description: '{ personId, result: updated | unchanged, version }' },
            '201': { description: 'The person was registered' },
            ...errors(),
          },
        },
      },
      '/open/v1/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
    },
  };
}

import { type DataScope, type Executor, mapFeatures, withScope } from '@shequ/db';
import { and, asc, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { assertMayEnter } from './data-entry.ts';
import { assignHouseGridCodes, compoundsByName } from './houses-service.ts';
import { assertVersion } from './people-repo.ts';
import type { BaseDeps } from './people-service.ts';

export const mapFeatureKinds = ['building', 'space', 'facility', 'road', 'boundary'] as const;
export type MapFeatureKind = (typeof mapFeatureKinds)[number];

type Position = [number, number] | [number, number, number];
export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };

const isPosition = (p: unknown): p is Position =>
  Array.isArray(p) &&
  (p.length === 2 || p.length === 3) &&
  p.every((n) => typeof n === 'number' && Number.isFinite(n)) &&
  Math.abs(p[0] as number) <= 180 &&
  Math.abs(p[1] as number) <= 90;

const isRing = (r: unknown) =>
  Array.isArray(r) && r.length >= 4 && r.every(isPosition) && String(r[0]) === String(r[r.length - 1]);

/** GeoJSON geometry as RFC 7946 defines it (WGS 84 lon/lat); polygons need closed rings of at least four positions. */
export function geometryProblem(g: unknown): string | null {
  const geo = g as { type?: string; coordinates?: unknown };
  if (!geo || typeof geo !== 'object') return '几何对象缺失 / geometry missing';
  const c = geo.coordinates;
  switch (geo.type) {
    case 'Point':
      return isPosition(c) ? null : '点坐标应为 [经度, 纬度] / a Point needs [lon, lat]';
    case 'LineString':
      return Array.isArray(c) && c.length >= 2 && c.every(isPosition)
        ? null
        : '线至少两个有效坐标 / a LineString needs two or more positions';
    case 'Polygon':
      return Array.isArray(c) && c.length >= 1 && c.every(isRing)
        ? null
        : '多边形的环须闭合且至少四个坐标 / Polygon rings must be closed with four or more positions';
    case 'MultiPolygon':
      return Array.isArray(c) && c.length >= 1 && c.every((p) => Array.isArray(p) && p.length >= 1 && p.every(isRing))
        ? null
        : '多面的每个环须闭合 / every MultiPolygon ring must be closed';
    default:
      return '仅支持 Point、LineString、Polygon、MultiPolygon / unsupported geometry type';
  }
}

export type FieldErrors = Record<string, string[]>;

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Kind, name, refId shape and geometry of one feature; null when they are fine. */
export function featureProblems(f: { kind?: unknown; name?: unknown; refId?: unknown; geometry?: unknown }) {
  const errors: FieldErrors = {};
  const problem = geometryProblem(f.geometry);
  if (problem) errors.geometry = [problem];
  if (!mapFeatureKinds.includes(f.kind as MapFeatureKind)) errors.kind = ['未知要素类型 / unknown kind'];
  const name = typeof f.name === 'string' ? f.name.trim() : '';
  if (!name) errors.name = ['请填写名称 / name required'];
  else if (name.length > 64) errors.name = ['名称不超过 64 字 / name at most 64 characters'];
  if (f.refId != null && (typeof f.refId !== 'string' || !uuidRe.test(f.refId)))
    errors.refId = ['关联编号应为 UUID / refId must be a UUID'];
  return Object.keys(errors).length ? errors : null;
}

const invalidFeature = (fieldErrors: FieldErrors) =>
  new AppError('INVALID_INPUT', { zh: '地图要素有误', en: 'Invalid map feature', fieldErrors });

const refProblem = '不是本社区的小区 / not a compound of this community';

/** A building's refId names a compound of the same community (the houses' grid codes come from it). */
async function assertRefInCommunity(tx: Executor, communityId: string, f: { kind: string; refId?: string | null }) {
  if (f.kind !== 'building' || !f.refId) return;
  const ids = new Set((await compoundsByName(tx, communityId)).values());
  if (!ids.has(f.refId)) {
    throw new AppError('INVALID_INPUT', {
      zh: '楼栋要素须关联本社区的小区',
      en: "A building feature's refId must be a compound of this community",
      fieldErrors: { refId: [refProblem] },
    });
  }
}

export interface NewMapFeature {
  kind: MapFeatureKind;
  name: string;
  refId?: string;
  geometry: Geometry;
  properties?: Record<string, unknown>;
}

export async function createMapFeature(
  d: BaseDeps,
  scope: DataScope,
  communityId: string,
  f: NewMapFeature,
  actor: Actor,
) {
  await assertMayEnter(d.db, actor, 'L1');
  const errors = featureProblems(f);
  if (errors) throw invalidFeature(errors);
  return withScope(d.db, scope, async (tx) => {
    await assertRefInCommunity(tx, communityId, f);
    const [row] = await tx
      .insert(mapFeatures)
      .values({
        communityId,
        kind: f.kind,
        name: f.name.trim(),
        refId: f.refId ?? null,
        geometry: f.geometry,
        properties: f.properties ?? {},
        createdBy: actor.subject,
        updatedBy: actor.subject,
      })
      .returning({ id: mapFeatures.id });
    if (f.kind === 'building') await assignHouseGridCodes(tx, communityId);
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: 'base.map.create',
      objectType: 'map_feature',
      objectId: row.id,
      communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
    });
    return row;
  });
}

/** The community's map as a GeoJSON FeatureCollection, optionally one kind of feature. */
export async function mapOf(d: BaseDeps, scope: DataScope, communityId: string, kind?: MapFeatureKind) {
  const rows = await withScope(d.db, scope, (tx) =>
    tx
      .select()
      .from(mapFeatures)
      .where(and(eq(mapFeatures.communityId, communityId), kind ? eq(mapFeatures.kind, kind) : undefined))
      .orderBy(asc(mapFeatures.kind), asc(mapFeatures.name)),
  );
  return {
    type: 'FeatureCollection' as const,
    features: rows.map((r) => ({
      type: 'Feature' as const,
      id: r.id,
      geometry: r.geometry as Geometry,
      properties: { ...(r.properties as object), kind: r.kind, name: r.name, refId: r.refId, version: r.version },
    })),
  };
}

async function loadFeature(tx: Executor, communityId: string, id: string) {
  const [row] = await tx
    .select()
    .from(mapFeatures)
    .where(and(eq(mapFeatures.id, id), eq(mapFeatures.communityId, communityId)));
  if (!row) throw notFound('Map feature', '地图要素');
  return row;
}

const audited = (
  actor: Actor,
  action: string,
  row: { id: string; communityId: string },
  detail?: Record<string, unknown>,
) => ({
  subject: actor.subject,
  subjectRole: actor.role,
  action,
  objectType: 'map_feature',
  objectId: row.id,
  communityId: row.communityId,
  result: 'success' as const,
  sourceIp: actor.ip,
  requestId: actor.requestId,
  ...(detail ? { detail } : {}),
});

/**
 * CIM maintenance (6.3.6.2): edits kind, name, link, geometry or properties of one feature. Optimistic concurrency:
 * the caller names the version it edited; a newer one in the database is a CONFLICT.
 */
export async function updateMapFeature(
  d: BaseDeps,
  scope: DataScope,
  communityId: string,
  id: string,
  expectedVersion: number,
  patch: Partial<NewMapFeature> & { refId?: string | null },
  actor: Actor,
) {
  await assertMayEnter(d.db, actor, 'L1');
  return withScope(d.db, scope, async (tx) => {
    const row = await loadFeature(tx, communityId, id);
    assertVersion(row.version, expectedVersion);
    const next = {
      kind: (patch.kind ?? row.kind) as MapFeatureKind,
      name: patch.name ?? row.name,
      refId: patch.refId === undefined ? row.refId : patch.refId,
      geometry: patch.geometry ?? row.geometry,
      properties: patch.properties ?? (row.properties as Record<string, unknown>),
    };
    const errors = featureProblems(next);
    if (errors) throw invalidFeature(errors);
    await assertRefInCommunity(tx, row.communityId, next);
    const version = row.version + 1;
    const updated = await tx
      .update(mapFeatures)
      .set({ ...next, name: next.name.trim(), version, updatedAt: new Date(), updatedBy: actor.subject })
      .where(and(eq(mapFeatures.id, id), eq(mapFeatures.version, expectedVersion)))
      .returning({ id: mapFeatures.id });
    assertVersion(updated.length ? expectedVersion : -1, expectedVersion);
    if (next.kind === 'building' || row.kind === 'building') await assignHouseGridCodes(tx, row.communityId);
    await appendAudit(
      tx,
      audited(actor, 'base.map.update', row, {
        fields: (['kind', 'name', 'refId', 'geometry', 'properties'] as const).filter((k) => patch[k] !== undefined),
        version,
      }),
    );
    return { id, version };
  });
}

/** Removes one feature (the console asks first); the same version check as an edit. */
export async function deleteMapFeature(
  d: BaseDeps,
  scope: DataScope,
  communityId: string,
  id: string,
  expectedVersion: number,
  actor: Actor,
) {
  await assertMayEnter(d.db, actor, 'L1');
  return withScope(d.db, scope, async (tx) => {
    const row = await loadFeature(tx, communityId, id);
    assertVersion(row.version, expectedVersion);
    await tx.delete(mapFeatures).where(and(eq(mapFeatures.id, id), eq(mapFeatures.version, expectedVersion)));
    if (row.kind === 'building') await assignHouseGridCodes(tx, row.communityId);
    await appendAudit(tx, audited(actor, 'base.map.delete', row, { kind: row.kind, name: row.name }));
    return { id };
  });
}

export interface MapImportItem {
  index: number;
  status: 'create' | 'unchanged' | 'invalid';
  kind?: string;
  name?: string;
  sourceId?: string;
  errors?: FieldErrors;
}

export interface MapImportReport {
  total: number;
  created: number;
  unchanged: number;
  invalid: number;
  committed: boolean;
  items: MapImportItem[];
}

/**
 * The key a re-import is matched on. A provincial export carries a stable feature id (GeoJSON `id`, else
 * `properties.id`), kept as `properties.sourceId`; names alone repeat (every compound has a building "1"), so only
 * a file without ids falls back to kind + name + refId.
 */
const importKey = (kind: string, name: string, refId: string | null | undefined, sourceId: string | undefined) =>
  sourceId !== undefined ? `id:${sourceId}` : `kn:${kind}\u0000${name}\u0000${refId ?? ''}`;

/**
 * GeoJSON import (6.3.6.1): a FeatureCollection whose features carry `properties.kind` and `properties.name`
 * (optionally `properties.refId`, any further properties kept). Every feature is checked and reported by index;
 * without dryRun the whole file is written in one transaction, and only when no feature is invalid.
 */
export async function importMapFeatures(
  d: BaseDeps,
  scope: DataScope,
  communityId: string,
  input: { collection: unknown; dryRun: boolean },
  actor: Actor,
): Promise<MapImportReport> {
  // A dry run only reads and checks; writing needs the data-entry undertaking like any other entry.
  if (!input.dryRun) await assertMayEnter(d.db, actor, 'L1');
  const fc = input.collection as { type?: unknown; features?: unknown };
  if (!fc || typeof fc !== 'object' || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    throw new AppError('INVALID_INPUT', {
      zh: '文件不是 GeoJSON 要素集合（FeatureCollection）',
      en: 'The file is not a GeoJSON FeatureCollection',
      fieldErrors: { file: ['需要 {"type":"FeatureCollection","features":[…]} / FeatureCollection expected'] },
    });
  }
  const features = fc.features as unknown[];
  return withScope(d.db, scope, async (tx) => {
    const existing = await tx.select().from(mapFeatures).where(eq(mapFeatures.communityId, communityId));
    const known = new Set<string>();
    for (const r of existing) {
      const sid = (r.properties as { sourceId?: unknown }).sourceId;
      if (typeof sid === 'string') known.add(importKey(r.kind, r.name, r.refId, sid));
      known.add(importKey(r.kind, r.name, r.refId, undefined));
    }
    const compoundIds = new Set((await compoundsByName(tx, communityId)).values());
    const seen = new Map<string, number>();
    const items: MapImportItem[] = [];
    const toCreate: Array<typeof mapFeatures.$inferInsert> = [];
    features.forEach((raw, index) => {
      const feat = (raw ?? {}) as { type?: unknown; id?: unknown; geometry?: unknown; properties?: unknown };
      const props = (feat.properties && typeof feat.properties === 'object' ? feat.properties : {}) as Record<
        string,
        unknown
      >;
      const { kind, name, refId, id: propId, ...rest } = props;
      const rawId = feat.id ?? propId;
      const sourceId = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : undefined;
      const item: MapImportItem = {
        index,
        status: 'create',
        kind: typeof kind === 'string' ? kind : undefined,
        name: typeof name === 'string' ? name.trim() : undefined,
        sourceId,
      };
      const errors: FieldErrors = feat.type === 'Feature' ? {} : { type: ['应为 Feature / must be a Feature'] };
      Object.assign(errors, featureProblems({ kind, name, refId, geometry: feat.geometry }) ?? {});
      if (!errors.refId && kind === 'building' && typeof refId === 'string' && !compoundIds.has(refId))
        errors.refId = [refProblem];
      if (Object.keys(errors).length === 0) {
        const key = importKey(kind as string, (name as string).trim(), refId as string | undefined, sourceId);
        const first = seen.get(key);
        if (first !== undefined) errors.id = [`与第 ${first} 个要素重复 / duplicate of feature ${first}`];
        else {
          seen.set(key, index);
          if (known.has(key)) item.status = 'unchanged';
        }
      }
      if (Object.keys(errors).length) {
        item.status = 'invalid';
        item.errors = errors;
      } else if (item.status === 'create') {
        toCreate.push({
          communityId,
          kind: kind as string,
          name: (name as string).trim(),
          refId: (refId as string | undefined) ?? null,
          geometry: feat.geometry,
          properties: sourceId !== undefined ? { ...rest, sourceId } : rest,
          createdBy: actor.subject,
          updatedBy: actor.subject,
        });
      }
      items.push(item);
    });
    const count = (s: MapImportItem['status']) => items.filter((i) => i.status === s).length;
    const report: MapImportReport = {
      total: items.length,
      created: count('create'),
      unchanged: count('unchanged'),
      invalid: count('invalid'),
      committed: false,
      items,
    };
    if (input.dryRun || report.invalid > 0 || report.total === 0) return report;
    if (toCreate.length) {
      const rows = await tx.insert(mapFeatures).values(toCreate).returning({ id: mapFeatures.id });
      if (toCreate.some((f) => f.kind === 'building')) await assignHouseGridCodes(tx, communityId);
      await appendAudit(
        tx,
        rows.map((r) => audited(actor, 'base.map.import', { id: r.id, communityId })),
      );
    }
    return { ...report, committed: true };
  });
}

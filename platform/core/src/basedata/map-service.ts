import { type DataScope, mapFeatures, withScope } from '@shequ/db';
import { and, asc, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { assertMayEnter } from './data-entry.ts';
import { assignHouseGridCodes, compoundsByName } from './houses-service.ts';
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
  const problem = geometryProblem(f.geometry);
  if (problem || !mapFeatureKinds.includes(f.kind) || !f.name?.trim()) {
    throw new AppError('INVALID_INPUT', {
      zh: '地图要素有误',
      en: 'Invalid map feature',
      fieldErrors: {
        ...(problem ? { geometry: [problem] } : {}),
        ...(!mapFeatureKinds.includes(f.kind) ? { kind: ['未知要素类型 / unknown kind'] } : {}),
        ...(!f.name?.trim() ? { name: ['请填写名称 / name required'] } : {}),
      },
    });
  }
  return withScope(d.db, scope, async (tx) => {
    if (f.kind === 'building' && f.refId) {
      const ids = new Set((await compoundsByName(tx, communityId)).values());
      if (!ids.has(f.refId)) {
        throw new AppError('INVALID_INPUT', {
          zh: '楼栋要素须关联本社区的小区',
          en: "A building feature's refId must be a compound of this community",
          fieldErrors: { refId: ['不是本社区的小区 / not a compound of this community'] },
        });
      }
    }
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
      properties: { ...(r.properties as object), kind: r.kind, name: r.name, refId: r.refId },
    })),
  };
}

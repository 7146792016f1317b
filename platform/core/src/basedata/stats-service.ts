import { type DataScope, queryRows, withScope } from '@shequ/db';
import { sql } from 'drizzle-orm';
import type { BaseDeps } from './people-service.ts';

const num = (v: unknown) => Number(v ?? 0);

/**
 * The aggregate layer for the cockpit and the provincial feeds: counts only, never a person. Computed from the
 * clean layer on read, so it is always current; the queries are grouped scans served by the community indexes.
 */
export async function communityStats(d: BaseDeps, scope: DataScope, communityIds: readonly string[]) {
  if (communityIds.length === 0)
    return {
      totals: { people: 0, houses: 0, vehicles: 0, spaces: 0, facilities: 0 },
      byCompound: [],
      byCategory: [],
      keyCare: [],
      ageBands: [],
      vehiclesByEnergy: [],
      facilitiesByStatus: [],
    };
  const ids = `{${communityIds.join(',')}}`;
  return withScope(d.db, scope, async (tx) => {
    const [totals] = await queryRows<Record<string, unknown>>(
      tx,
      sql`select (select count(*) from base.people where community_id = any(${ids}::uuid[])) as people,
                 (select count(*) from base.houses where community_id = any(${ids}::uuid[])) as houses,
                 (select count(*) from base.vehicles where community_id = any(${ids}::uuid[])) as vehicles,
                 (select count(*) from base.spaces where community_id = any(${ids}::uuid[])) as spaces,
                 (select count(*) from base.facilities where community_id = any(${ids}::uuid[])) as facilities`,
    );
    const byCompound = await queryRows<{ compound: string; houses: unknown; residents: unknown }>(
      tx,
      sql`select c.name as compound, count(distinct h.id) as houses, count(distinct o.person_id) as residents
          from tenancy.compounds c left join base.houses h on h.compound_id = c.id
          left join base.occupancies o on o.house_id = h.id and o.valid_to is null
          where c.community_id = any(${ids}::uuid[]) group by c.name order by c.name`,
    );
    const byCategory = await queryRows<{ key: string; n: unknown }>(
      tx,
      sql`select category as key, count(*) as n from base.people where community_id = any(${ids}::uuid[]) group by 1 order by 1`,
    );
    const keyCare = await queryRows<{ key: string; n: unknown }>(
      tx,
      sql`select t as key, count(*) as n from base.people, unnest(key_care_tags) t where community_id = any(${ids}::uuid[]) group by 1 order by 1`,
    );
    const ageBands = await queryRows<{ key: string; n: unknown }>(
      tx,
      sql`select case when birth_date is null then 'unknown' when age(birth_date) < interval '18 years' then '0-17'
                      when age(birth_date) < interval '60 years' then '18-59' when age(birth_date) < interval '80 years' then '60-79' else '80+' end as key,
                 count(*) as n from base.people where community_id = any(${ids}::uuid[]) group by 1 order by 1`,
    );
    const vehiclesByEnergy = await queryRows<{ key: string; n: unknown }>(
      tx,
      sql`select energy as key, count(*) as n from base.vehicles where community_id = any(${ids}::uuid[]) group by 1 order by 1`,
    );
    const facilitiesByStatus = await queryRows<{ key: string; n: unknown }>(
      tx,
      sql`select status as key, count(*) as n from base.facilities where community_id = any(${ids}::uuid[]) group by 1 order by 1`,
    );
    const kv = (rows: Array<{ key: string; n: unknown }>) => rows.map((r) => ({ key: r.key, count: num(r.n) }));
    return {
      totals: {
        people: num(totals.people),
        houses: num(totals.houses),
        vehicles: num(totals.vehicles),
        spaces: num(totals.spaces),
        facilities: num(totals.facilities),
      },
      byCompound: byCompound.map((r) => ({ compound: r.compound, houses: num(r.houses), residents: num(r.residents) })),
      byCategory: kv(byCategory),
      keyCare: kv(keyCare),
      ageBands: kv(ageBands),
      vehiclesByEnergy: kv(vehiclesByEnergy),
      facilitiesByStatus: kv(facilitiesByStatus),
    };
  });
}

// The IoT warehouse's 公共服务设施库 of health, meals and learning (DB33 7.2.2.4.1, 7.2.2.4.2, 7.2.2.4.4) from the
// health kiosks and fitness equipment (6.2.3.1), canteen tills (6.2.3.2) and library terminals, e-reading devices and
// training check-in terminals (6.2.3.4): the facts are recorded by the one warehouse consumer (facts.ts); here are
// their queries (the time sums in activity.ts). A device's `personRef` links to a resident through the same table that
// resolves a gate's refs (access.person_refs, DB33 7.2.3 base people); a ref nobody mapped stays as given.
// Not built: the basic education/health records of the resident themselves (those are base data, not device facts).
import { AppError, communityZone, withheldDays } from '@shequ/core';
import { type DataScope, type Db, people, personRefs, queryRows, type Tx, warehouseFacts, withScope } from '@shequ/db';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { exerciseOf, exerciseStats, learningTimeOf, learningTimeStats, recentDays } from './activity.ts';
import { bmiOf, type HealthTag, healthTagCodes, healthTags } from './facts.ts';
import { listFacts } from './queries.ts';

/** Who is asked about: a resident of the base warehouse (all their refs) or one device ref as given. */
export type Subject = { personId: string } | { ref: string };

/** The refs of a subject and the resident they resolve to (null when the ref is mapped to nobody). */
async function resolveSubject(tx: Tx, communityId: string, s: Subject) {
  if ('personId' in s) {
    const [p] = await tx
      .select({ id: people.id, name: people.name })
      .from(people)
      .where(and(eq(people.id, s.personId), eq(people.communityId, communityId)));
    if (!p) throw new AppError('NOT_FOUND', { zh: '没有这位居民', en: 'No such resident' });
    const refs = await tx
      .select({ ref: personRefs.ref })
      .from(personRefs)
      .where(and(eq(personRefs.communityId, communityId), eq(personRefs.personId, s.personId)));
    return { person: { id: p.id, name: p.name }, refs: refs.map((r) => r.ref) };
  }
  const [p] = await tx
    .select({ id: people.id, name: people.name })
    .from(personRefs)
    .innerJoin(people, eq(people.id, personRefs.personId))
    .where(and(eq(personRefs.communityId, communityId), eq(personRefs.ref, s.ref)));
  return { person: p ? { id: p.id, name: p.name } : null, refs: [s.ref] };
}

/** The residents behind the given refs (the gate's resolution, access.person_refs). */
async function peopleOfRefs(db: Db, scope: DataScope, communityId: string, refs: (string | null)[]) {
  const want = [...new Set(refs.filter((r): r is string => !!r))];
  if (!want.length) return new Map<string, { personId: string; personName: string }>();
  const rows = await withScope(db, scope, (tx) =>
    tx
      .select({ ref: personRefs.ref, personId: people.id, personName: people.name })
      .from(personRefs)
      .innerJoin(people, eq(people.id, personRefs.personId))
      .where(and(eq(personRefs.communityId, communityId), inArray(personRefs.ref, want))),
  );
  return new Map(rows.map((r) => [r.ref, { personId: r.personId, personName: r.personName }]));
}

type Page = { cursor?: string; limit?: number };
type Range = { from?: Date; to?: Date };

/**
 * Facts of health, meals or learning newest first (keyset pages), each with the resident its ref resolves to; for one
 * subject (a resident: all their refs; or one ref) when given.
 */
export async function listServiceFacts(
  db: Db,
  scope: DataScope,
  communityId: string,
  domain: 'health' | 'meals' | 'learning',
  f: { event?: string; deviceId?: string; category?: string; subject?: Subject } & Range = {},
  page: Page = {},
) {
  const { subject, ...rest } = f;
  const refs = subject
    ? (await withScope(db, scope, (tx) => resolveSubject(tx, communityId, subject))).refs
    : undefined;
  const r = await listFacts(db, scope, communityId, domain, { ...rest, refs }, page);
  const who = await peopleOfRefs(
    db,
    scope,
    communityId,
    r.items.map((i) => i.ref),
  );
  return {
    items: r.items.map((i) => ({
      ...i,
      personId: (i.ref && who.get(i.ref)?.personId) || null,
      personName: (i.ref && who.get(i.ref)?.personName) || null,
      tags: domain === 'health' ? ((i.label?.split(',') ?? []) as HealthTag[]) : [],
    })),
    nextCursor: r.nextCursor,
  };
}

const measures = ['height', 'weight', 'systolic', 'diastolic', 'bloodGlucose', 'temperature'] as const;
type Measure = (typeof measures)[number];

/**
 * 居民健康画像 of one resident or ref: the latest value of each measure (from the newest checkup that took it), the
 * BMI and key-health tags of those latest values, the checkup history newest first (keyset pages), and 日常健身锻炼
 * of the last `days` Shanghai days (default 30) from the fitness equipment with the newest workouts.
 */
export async function healthProfile(
  db: Db,
  scope: DataScope,
  communityId: string,
  subject: Subject,
  page: Page = {},
  opts: { days?: number } = {},
) {
  const { person, refs } = await withScope(db, scope, (tx) => resolveSubject(tx, communityId, subject));
  const recent = refs.length
    ? await withScope(db, scope, (tx) =>
        tx
          .select()
          .from(warehouseFacts)
          .where(
            and(
              eq(warehouseFacts.communityId, communityId),
              eq(warehouseFacts.domain, 'health'),
              eq(warehouseFacts.event, 'checkup'),
              inArray(warehouseFacts.ref, refs),
            ),
          )
          .orderBy(desc(warehouseFacts.at), desc(warehouseFacts.id))
          .limit(200),
      )
    : [];
  const latest: Partial<Record<Measure, { value: number; at: string }>> = {};
  for (const c of recent) {
    const v = (c.value ?? {}) as Record<string, unknown>;
    for (const m of measures) {
      if (latest[m] === undefined && typeof v[m] === 'number') latest[m] = { value: v[m], at: c.at.toISOString() };
    }
  }
  const values = Object.fromEntries(measures.map((m) => [m, latest[m]?.value ?? null])) as Record<
    Measure,
    number | null
  >;
  const history = await listServiceFacts(db, scope, communityId, 'health', { subject, event: 'checkup' }, page);
  const exercise = await withScope(db, scope, (tx) => exerciseOf(tx, communityId, refs, recentDays(opts.days)));
  const workouts = await listServiceFacts(
    db,
    scope,
    communityId,
    'health',
    { subject, event: 'workout' },
    { limit: 20 },
  );
  return {
    person,
    refs,
    checkups: recent.length,
    lastCheckupAt: recent[0]?.at.toISOString() ?? null,
    latest,
    bmi: bmiOf(values.height, values.weight),
    tags: healthTags(values),
    history,
    exercise: { ...exercise, recent: workouts.items },
  };
}

const share = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 1000) / 1000 : null);

/**
 * Community health aggregates in [from, to) (what government roles may read: no person): checkups and residents
 * checked per Shanghai day, flagged checkups per tag; per tag the share of the checkups and of the residents
 * (by their latest checkup in the range) that carry it; and 日常健身锻炼 (`exercise`, see `exerciseStats`).
 *
 * With `minGroup` (for readers without `iot.warehouse.health`) no health figure of fewer than that many people is
 * returned: days picked by `withheldDays` keep their checkup and people counts but their flagged and tag counts are
 * null and `withheld` is true; if the whole range has fewer people, every health figure is null.
 */
export async function healthStats(
  db: Db,
  scope: DataScope,
  communityId: string,
  range: { from: Date; to: Date },
  opts: { minGroup?: number } = {},
) {
  const Z = communityZone;
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  const inRange = sql`community_id = ${communityId} and domain = 'health' and event = 'checkup'
     and at >= ${from}::timestamptz and at < ${to}::timestamptz`;
  const perTag = sql.join(
    healthTagCodes.map(
      (t) =>
        sql`count(*) filter (where ${t} = any(string_to_array(coalesce(label, ''), ',')))::int as ${sql.identifier(t)}`,
    ),
    sql`, `,
  );
  type TagCounts = Record<HealthTag, number>;
  return withScope(db, scope, async (tx) => {
    const days = await queryRows<
      { day: string; checkups: number; people: number; flagged: number; refs: string[] } & TagCounts
    >(
      tx,
      sql`select to_char(at at time zone ${Z}, 'YYYY-MM-DD') as day, count(*)::int as checkups,
                 count(distinct ref)::int as people, count(*) filter (where flag)::int as flagged,
                 array_agg(distinct ref) as refs, ${perTag}
            from iot.warehouse_facts where ${inRange} group by 1 order by 1`,
    );
    const [latest] = await queryRows<{ people: number; flagged: number } & TagCounts>(
      tx,
      sql`select count(*)::int as people, count(*) filter (where flag)::int as flagged, ${perTag} from (
            select distinct on (ref) ref, label, flag from iot.warehouse_facts where ${inRange}
             order by ref, at desc, id desc) x`,
    );
    const checkups = days.reduce((s, d) => s + d.checkups, 0);
    const flagged = days.reduce((s, d) => s + d.flagged, 0);
    const people = latest?.people ?? 0;
    const k = opts.minGroup;
    // Too few people in the whole range: nothing about their health is shown.
    const all = k !== undefined && people < k;
    const withheld = k === undefined || all ? new Set<string>() : withheldDays(days, k);
    const hide = <T>(v: T) => (all ? null : v);
    const exercise = await exerciseStats(tx, communityId, range, k);
    return {
      checkups,
      people,
      flagged: hide(flagged),
      flaggedShare: hide(share(flagged, checkups)),
      /** The smallest group shown to this reader (null: every figure is exact). */
      minGroup: k ?? null,
      withheld: all || withheld.size > 0,
      days: days.map((d) => {
        const off = all || withheld.has(d.day);
        return {
          day: d.day,
          checkups: d.checkups,
          people: d.people,
          flagged: off ? null : d.flagged,
          withheld: off,
          tags: Object.fromEntries(healthTagCodes.map((t) => [t, off ? null : d[t]])) as Record<
            HealthTag,
            number | null
          >,
        };
      }),
      exercise,
      tags: healthTagCodes.map((t) => {
        const n = days.reduce((s, d) => s + d[t], 0);
        const p = latest?.[t] ?? 0;
        return {
          tag: t,
          checkups: hide(n),
          share: hide(share(n, checkups)),
          people: hide(p),
          peopleShare: hide(share(p, people)),
        };
      }),
    };
  });
}

const yuan = (n: number | null) => Math.round((n ?? 0) * 100) / 100;

/**
 * 订送餐服务 of a community in [from, to): per Shanghai day and meal type the meals, amount paid, subsidy and distinct
 * diners (订餐人; a meal without a personRef is one diner of its own); the top dishes (订餐内容); and the delivery
 * times (送餐时长) from the tills' `delivered` events: count, mean, median, 90th percentile and maximum minutes.
 */
export async function mealStats(db: Db, scope: DataScope, communityId: string, range: { from: Date; to: Date }) {
  const Z = communityZone;
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  const inRange = (event: string) => sql`community_id = ${communityId} and domain = 'meals' and event = ${event}
     and at >= ${from}::timestamptz and at < ${to}::timestamptz`;
  type Agg = { meals: number; amount: number; subsidy: number; diners: number };
  const agg = sql`count(*)::int as meals, coalesce(sum(amount), 0)::float8 as amount,
       coalesce(sum((value->>'subsidy')::float8), 0)::float8 as subsidy,
       (count(distinct ref) + count(*) filter (where ref is null))::int as diners`;
  return withScope(db, scope, async (tx) => {
    const days = await queryRows<Agg & { day: string; mealType: string | null }>(
      tx,
      sql`select to_char(at at time zone ${Z}, 'YYYY-MM-DD') as day, category as "mealType", ${agg}
            from iot.warehouse_facts where ${inRange('meal')} group by 1, 2 order by 1, 2`,
    );
    const [total] = await queryRows<Agg>(tx, sql`select ${agg} from iot.warehouse_facts where ${inRange('meal')}`);
    const dishes = await queryRows<{ dish: string; count: number }>(
      tx,
      sql`select d as dish, count(*)::int as count from iot.warehouse_facts,
                 jsonb_array_elements_text(case when jsonb_typeof(value->'dishes') = 'array' then value->'dishes'
                                                else '[]'::jsonb end) as d
           where ${inRange('meal')} group by d order by 2 desc, 1 limit 10`,
    );
    const delivery = await queryRows<{
      day: string;
      deliveries: number;
      mean: number | null;
      max: number | null;
    }>(
      tx,
      sql`select to_char(at at time zone ${Z}, 'YYYY-MM-DD') as day, count(*)::int as deliveries,
                 avg(amount)::float8 as mean, max(amount)::float8 as max
            from iot.warehouse_facts where ${inRange('delivered')} group by 1 order by 1`,
    );
    const [dt] = await queryRows<{
      deliveries: number;
      mean: number | null;
      median: number | null;
      p90: number | null;
      max: number | null;
    }>(
      tx,
      sql`select count(*)::int as deliveries, avg(amount)::float8 as mean,
                 percentile_cont(0.5) within group (order by amount)::float8 as median,
                 percentile_cont(0.9) within group (order by amount)::float8 as p90, max(amount)::float8 as max
            from iot.warehouse_facts where ${inRange('delivered')}`,
    );
    const min1 = (n: number | null | undefined) => (n === null || n === undefined ? null : Math.round(n * 10) / 10);
    const out = (a: Agg) => ({ meals: a.meals, amount: yuan(a.amount), subsidy: yuan(a.subsidy), diners: a.diners });
    return {
      ...out(total ?? { meals: 0, amount: 0, subsidy: 0, diners: 0 }),
      days: days.map((d) => ({ day: d.day, mealType: d.mealType, ...out(d) })),
      topDishes: dishes,
      delivery: {
        deliveries: dt?.deliveries ?? 0,
        meanMinutes: min1(dt?.mean),
        medianMinutes: min1(dt?.median),
        p90Minutes: min1(dt?.p90),
        maxMinutes: min1(dt?.max),
        days: delivery.map((d) => ({
          day: d.day,
          deliveries: d.deliveries,
          meanMinutes: min1(d.mean),
          maxMinutes: min1(d.max),
        })),
      },
    };
  });
}

/**
 * The loans open now: per ISBN the borrows not matched by a return (a terminal's copies are alike, so the latest
 * borrows stay open: returns close the earliest). `due` is the borrow's dueDate; overdue when it is before today
 * (Shanghai). For one set of refs when given.
 */
function openLoansSql(communityId: string, refs?: string[]) {
  const forRefs = refs ? sql`and ref in (${refs.length ? sql.join(refs, sql`, `) : sql`null`})` : sql``;
  return sql`with b as (
      select id, ref, label as isbn, at, device_name, value->>'dueDate' as due,
             row_number() over (partition by label order by at desc, id desc) as rn,
             count(*) over (partition by label) as nb
        from iot.warehouse_facts where community_id = ${communityId} and domain = 'learning' and event = 'borrow'),
    r as (select label as isbn, count(*) as nr from iot.warehouse_facts
           where community_id = ${communityId} and domain = 'learning' and event = 'return' group by label)
    select b.id, b.ref, b.isbn, b.at, b.device_name as "deviceName", b.due,
           (b.due is not null and b.due < to_char(now() at time zone ${communityZone}, 'YYYY-MM-DD')) as overdue
      from b left join r on r.isbn = b.isbn
     where b.rn <= b.nb - coalesce(r.nr, 0) ${forRefs}`;
}

type LoanRow = {
  id: string;
  ref: string | null;
  isbn: string;
  at: string;
  deviceName: string;
  due: string | null;
  overdue: boolean;
};
const loanView = (l: LoanRow) => ({
  id: l.id,
  ref: l.ref,
  isbn: l.isbn,
  borrowedAt: new Date(l.at).toISOString(),
  deviceName: l.deviceName,
  dueDate: l.due,
  overdue: l.overdue,
});

/**
 * 图书借阅 of a community: borrows and returns per Shanghai day in [from, to), the books out now and how many of them
 * are past due, and the late returns of the range (overdueDays > 0) with their mean overdue days; with 电子阅读时长
 * and 社区教育培训时长 of the range (`reading`, `training`, per day `timeDays`, `courses`; see `learningTimeStats`).
 */
export async function libraryStats(db: Db, scope: DataScope, communityId: string, range: { from: Date; to: Date }) {
  const Z = communityZone;
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  return withScope(db, scope, async (tx) => {
    const days = await queryRows<{ day: string; borrows: number; returns: number; readers: number }>(
      tx,
      sql`select to_char(at at time zone ${Z}, 'YYYY-MM-DD') as day,
                 count(*) filter (where event = 'borrow')::int as borrows,
                 count(*) filter (where event = 'return')::int as returns,
                 count(distinct ref) filter (where event = 'borrow')::int as readers
            from iot.warehouse_facts
           where community_id = ${communityId} and domain = 'learning' and event in ('borrow', 'return')
             and at >= ${from}::timestamptz and at < ${to}::timestamptz
           group by 1 order by 1`,
    );
    const [late] = await queryRows<{ late: number; mean: number | null; readers: number }>(
      tx,
      sql`select count(*) filter (where amount > 0)::int as late, avg(amount) filter (where amount > 0)::float8 as mean,
                 (select count(distinct ref)::int from iot.warehouse_facts
                   where community_id = ${communityId} and domain = 'learning' and event = 'borrow'
                     and at >= ${from}::timestamptz and at < ${to}::timestamptz) as readers
            from iot.warehouse_facts
           where community_id = ${communityId} and domain = 'learning' and event = 'return'
             and at >= ${from}::timestamptz and at < ${to}::timestamptz`,
    );
    const [out] = await queryRows<{ out: number; overdue: number }>(
      tx,
      sql`select count(*)::int as out, count(*) filter (where overdue)::int as overdue from (${openLoansSql(communityId)}) o`,
    );
    const time = await learningTimeStats(tx, communityId, range);
    return {
      borrows: days.reduce((s, d) => s + d.borrows, 0),
      returns: days.reduce((s, d) => s + d.returns, 0),
      readers: late?.readers ?? 0,
      days,
      outNow: out?.out ?? 0,
      overdueNow: out?.overdue ?? 0,
      lateReturns: late?.late ?? 0,
      meanOverdueDays: late?.mean === null || late?.mean === undefined ? null : Math.round(late.mean * 10) / 10,
      ...time.total,
      timeDays: time.days,
      courses: time.courses,
    };
  });
}

/** The books out now (newest borrow first, at most 500), of one subject when given, with the resident of each ref. */
export async function listLoans(db: Db, scope: DataScope, communityId: string, subject?: Subject) {
  const rows = await withScope(db, scope, async (tx) => {
    const refs = subject ? (await resolveSubject(tx, communityId, subject)).refs : undefined;
    return queryRows<LoanRow>(
      tx,
      sql`select * from (${openLoansSql(communityId, refs)}) o order by at desc, id desc limit 500`,
    );
  });
  const who = await peopleOfRefs(
    db,
    scope,
    communityId,
    rows.map((r) => r.ref),
  );
  return rows.map((r) => ({
    ...loanView(r),
    personId: (r.ref && who.get(r.ref)?.personId) || null,
    personName: (r.ref && who.get(r.ref)?.personName) || null,
  }));
}

/**
 * 居民教育学习画像 of one resident or ref: their learning events (borrows, returns, reading sessions, training
 * check-ins and check-outs) newest first (keyset pages), the books out now, and their reading and training time of the
 * last `days` Shanghai days (default 30) per day with the courses attended.
 */
export async function readerHistory(
  db: Db,
  scope: DataScope,
  communityId: string,
  subject: Subject,
  page: Page = {},
  opts: { days?: number } = {},
) {
  const { person, refs } = await withScope(db, scope, (tx) => resolveSubject(tx, communityId, subject));
  const history = await listServiceFacts(db, scope, communityId, 'learning', { subject }, page);
  const loans = await listLoans(db, scope, communityId, subject);
  const time = await withScope(db, scope, (tx) => learningTimeOf(tx, communityId, refs, recentDays(opts.days)));
  return { person, refs, history, loans, time };
}

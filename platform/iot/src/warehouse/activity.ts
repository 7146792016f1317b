// Time spent, as the devices report it per session: 日常健身锻炼 from the fitness equipment (6.2.3.1 `workout` →
// 7.2.2.4.1 健康画像) and 电子阅读时长 / 社区教育培训时长 from the e-reading devices and the training check-in terminals
// (6.2.3.4 `reading`, `checkIn`/`checkOut` → 7.2.2.4.4 教育学习画像). Sums per Shanghai day, for a community or for the
// refs of one resident; the callers in services.ts decide who may read which (and withhold small groups).
import { communityZone, withheldDays } from '@shequ/core';
import { queryRows, type Tx } from '@shequ/db';
import { type SQL, sql } from 'drizzle-orm';

const DAY = 86_400_000;
const min1 = (n: number | null | undefined) => (n === null || n === undefined ? 0 : Math.round(n * 10) / 10);
const refsIn = (refs: string[]) => (refs.length ? sql`ref in (${sql.join(refs, sql`, `)})` : sql`false`);
const day = sql`to_char(at at time zone ${communityZone}, 'YYYY-MM-DD')`;

/** The window of a per-resident summary: the last `days` Shanghai days up to now (1–92, default 30). */
export function recentDays(days = 30, now = new Date()) {
  const n = Math.min(Math.max(Math.trunc(days), 1), 92);
  // Midnight in Shanghai (UTC+8, no daylight saving) of the first day of the window.
  const today = Math.floor((now.getTime() + 8 * 3_600_000) / DAY) * DAY - 8 * 3_600_000;
  return { from: new Date(today - (n - 1) * DAY), to: new Date(now.getTime() + 60_000), days: n };
}

function inRange(communityId: string, domain: string, events: string[], range: { from: Date; to: Date }) {
  return sql`community_id = ${communityId} and domain = ${domain}
     and event in (${sql.join(events, sql`, `)})
     and at >= ${range.from.toISOString()}::timestamptz and at < ${range.to.toISOString()}::timestamptz`;
}

type ExerciseAgg = { workouts: number; people: number; minutes: number; calories: number; refs: string[] };
const exerciseAgg = sql`count(*)::int as workouts, count(distinct ref)::int as people,
  coalesce(sum(amount), 0)::float8 as minutes, coalesce(sum((value->>'calories')::float8), 0)::float8 as calories,
  array_agg(distinct ref) as refs`;

/**
 * 日常健身锻炼 of a community in [from, to): workouts, exercisers, minutes and calories per Shanghai day and per kind.
 * With `minGroup` the counts of workouts and people stay, but the minutes and calories (the health figures) of a day
 * or kind with fewer people are null, with more picked by `withheldDays` while the withheld ones together could be
 * worked out from the totals; a range of fewer people shows none of them.
 */
export async function exerciseStats(tx: Tx, communityId: string, range: { from: Date; to: Date }, minGroup?: number) {
  const where = inRange(communityId, 'health', ['workout'], range);
  const days = await queryRows<ExerciseAgg & { day: string }>(
    tx,
    sql`select ${day} as day, ${exerciseAgg} from iot.warehouse_facts where ${where} group by 1 order by 1`,
  );
  const kinds = await queryRows<ExerciseAgg & { kind: string }>(
    tx,
    sql`select category as kind, ${exerciseAgg} from iot.warehouse_facts where ${where} group by 1 order by 1`,
  );
  const [total] = await queryRows<ExerciseAgg>(tx, sql`select ${exerciseAgg} from iot.warehouse_facts where ${where}`);
  const people = total?.people ?? 0;
  const all = minGroup !== undefined && people < minGroup;
  const off = (groups: { day: string; refs: string[] }[]) =>
    minGroup === undefined || all ? new Set<string>() : withheldDays(groups, minGroup);
  const offDays = off(days);
  const offKinds = off(kinds.map((k) => ({ day: k.kind, refs: k.refs })));
  const figures = (a: ExerciseAgg, hidden: boolean) => ({
    workouts: a.workouts,
    people: a.people,
    minutes: hidden ? null : min1(a.minutes),
    calories: hidden ? null : min1(a.calories),
    withheld: hidden,
  });
  return {
    ...figures(total ?? { workouts: 0, people: 0, minutes: 0, calories: 0, refs: [] }, all),
    meanMinutesPerPerson: all || !people ? null : min1((total?.minutes ?? 0) / people),
    withheld: all || offDays.size > 0 || offKinds.size > 0,
    days: days.map((d) => ({ day: d.day, ...figures(d, all || offDays.has(d.day)) })),
    kinds: kinds.map((k) => ({ kind: k.kind, ...figures(k, all || offKinds.has(k.kind)) })),
  };
}

/** One resident's (or ref's) workouts in a window: totals, per Shanghai day (newest first) and per kind. */
export async function exerciseOf(tx: Tx, communityId: string, refs: string[], range: { from: Date; to: Date }) {
  const where = sql`${inRange(communityId, 'health', ['workout'], range)} and ${refsIn(refs)}`;
  type Agg = { workouts: number; minutes: number; calories: number };
  const agg = sql`count(*)::int as workouts, coalesce(sum(amount), 0)::float8 as minutes,
    coalesce(sum((value->>'calories')::float8), 0)::float8 as calories`;
  const days = await queryRows<Agg & { day: string }>(
    tx,
    sql`select ${day} as day, ${agg} from iot.warehouse_facts where ${where} group by 1 order by 1 desc`,
  );
  const kinds = await queryRows<Agg & { kind: string }>(
    tx,
    sql`select category as kind, ${agg} from iot.warehouse_facts where ${where} group by 1 order by 1`,
  );
  const [last] = await queryRows<{ at: string | null }>(
    tx,
    sql`select max(at) as at from iot.warehouse_facts
         where community_id = ${communityId} and domain = 'health' and event = 'workout' and ${refsIn(refs)}`,
  );
  const out = (a: Agg) => ({ workouts: a.workouts, minutes: min1(a.minutes), calories: min1(a.calories) });
  return {
    from: range.from.toISOString(),
    workouts: days.reduce((s, d) => s + d.workouts, 0),
    minutes: min1(days.reduce((s, d) => s + d.minutes, 0)),
    calories: min1(days.reduce((s, d) => s + d.calories, 0)),
    activeDays: days.length,
    lastWorkoutAt: last?.at ? new Date(last.at).toISOString() : null,
    days: days.map((d) => ({ day: d.day, ...out(d) })),
    kinds: kinds.map((k) => ({ kind: k.kind, ...out(k) })),
  };
}

type LearningAgg = {
  readingSessions: number;
  readingReaders: number;
  readingMinutes: number;
  checkIns: number;
  trainingSessions: number;
  trainees: number;
  trainingMinutes: number;
};
const learningAgg = sql`count(*) filter (where event = 'reading')::int as "readingSessions",
  count(distinct ref) filter (where event = 'reading')::int as "readingReaders",
  coalesce(sum(amount) filter (where event = 'reading'), 0)::float8 as "readingMinutes",
  count(*) filter (where event = 'checkIn')::int as "checkIns",
  count(*) filter (where event = 'checkOut')::int as "trainingSessions",
  count(distinct ref) filter (where event in ('checkIn', 'checkOut'))::int as trainees,
  coalesce(sum(amount) filter (where event = 'checkOut'), 0)::float8 as "trainingMinutes"`;
const learningView = (a: LearningAgg) => ({
  reading: { sessions: a.readingSessions, readers: a.readingReaders, minutes: min1(a.readingMinutes) },
  training: {
    checkIns: a.checkIns,
    sessions: a.trainingSessions,
    trainees: a.trainees,
    minutes: min1(a.trainingMinutes),
  },
});
const timeEvents = ['reading', 'checkIn', 'checkOut'];

async function learningTime(tx: Tx, where: SQL, courseLimit: number) {
  const days = await queryRows<LearningAgg & { day: string }>(
    tx,
    sql`select ${day} as day, ${learningAgg} from iot.warehouse_facts where ${where} group by 1 order by 1`,
  );
  const [total] = await queryRows<LearningAgg>(tx, sql`select ${learningAgg} from iot.warehouse_facts where ${where}`);
  // A course is the check-in terminal's `course` (the fact's label).
  const courses = await queryRows<{ course: string; trainees: number; sessions: number; minutes: number }>(
    tx,
    sql`select label as course, count(distinct ref)::int as trainees,
               count(*) filter (where event = 'checkOut')::int as sessions,
               coalesce(sum(amount) filter (where event = 'checkOut'), 0)::float8 as minutes
          from iot.warehouse_facts where ${where} and event in ('checkIn', 'checkOut')
         group by 1 order by 2 desc, 4 desc, 1 limit ${courseLimit}`,
  );
  return {
    total: learningView(
      total ?? {
        readingSessions: 0,
        readingReaders: 0,
        readingMinutes: 0,
        checkIns: 0,
        trainingSessions: 0,
        trainees: 0,
        trainingMinutes: 0,
      },
    ),
    days: days.map((d) => ({ day: d.day, ...learningView(d) })),
    courses: courses.map((c) => ({ ...c, minutes: min1(c.minutes) })),
  };
}

/**
 * 电子阅读时长 and 社区教育培训时长 of a community in [from, to): reading sessions, readers and minutes, training
 * check-ins, completed sessions (check-outs), trainees and minutes, per Shanghai day, and the courses by trainees.
 */
export function learningTimeStats(tx: Tx, communityId: string, range: { from: Date; to: Date }) {
  return learningTime(tx, inRange(communityId, 'learning', timeEvents, range), 10);
}

/** One resident's (or ref's) reading and training time in a window, per Shanghai day, and the courses attended. */
export async function learningTimeOf(tx: Tx, communityId: string, refs: string[], range: { from: Date; to: Date }) {
  const r = await learningTime(tx, sql`${inRange(communityId, 'learning', timeEvents, range)} and ${refsIn(refs)}`, 50);
  return { from: range.from.toISOString(), ...r, days: r.days.reverse() };
}

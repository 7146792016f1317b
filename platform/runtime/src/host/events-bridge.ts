import { AppError, type BaseDeps, declareWorkflow, getEvent, reportEvent } from '@shequ/core';
import { events, withScope } from '@shequ/db';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { BridgeCall, CapabilityAction } from './services.ts';

const text = z.object({ zh: z.string().min(1).max(100), en: z.string().min(1).max(100) }).strict();
const workflow = z
  .object({
    key: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,49}$/),
    name: text,
    initial: z.string().max(40),
    states: z
      .array(
        z
          .object({
            name: z.string().max(40),
            zh: z.string().min(1).max(40),
            en: z.string().min(1).max(40),
            final: z.boolean().optional(),
            slaMinutes: z.number().int().nullable().optional(),
          })
          .strict(),
      )
      .max(30),
    transitions: z
      .array(
        z
          .object({
            event: z.string().max(40),
            from: z.array(z.string().max(40)).min(1).max(30),
            to: z.string().max(40),
            roles: z.array(z.string().max(40)).min(1).max(10),
            needsAssignee: z.boolean().optional(),
            needsRating: z.boolean().optional(),
          })
          .strict(),
      )
      .max(100),
  })
  .strict();
const reportArgs = z
  .object({
    key: z.string().regex(/^[\w:.-]{1,100}$/),
    type: z.string().regex(/^[a-z][a-z0-9._-]{0,39}$/),
    title: z.string().trim().min(1).max(100),
    description: z.string().max(2000).optional(),
    severity: z.enum(['low', 'normal', 'high', 'critical']).optional(),
    location: z
      .object({
        houseId: z.uuid().optional(),
        spaceId: z.uuid().optional(),
        facilityId: z.uuid().optional(),
        lon: z.number().min(-180).max(180).optional(),
        lat: z.number().min(-90).max(90).optional(),
        text: z.string().max(200).optional(),
      })
      .strict()
      .optional(),
    photos: z.array(z.string().max(3_000_000)).max(3).optional(),
    workflow: workflow.optional(),
  })
  .strict();
const getArgs = z.object({ id: z.uuid() }).strict();

const refPrefix = (call: BridgeCall) => `app:${call.plugin.id}:`;

/**
 * `events.report` and `events.get` for apps: an app opens events (source `plugin`) under its own keys, optionally
 * with a workflow it declares as data, and reads back only the events it opened.
 */
export function eventCapabilities(
  deps: BaseDeps,
  parse: <T>(schema: z.ZodType<T>, args: unknown, what: string) => T,
): [string, CapabilityAction][] {
  return [
    [
      'events.report',
      async (call, args) => {
        const a = parse(reportArgs, args, 'events.report');
        let workflowId: string | undefined;
        if (a.workflow) {
          const { key, name, ...definition } = a.workflow;
          workflowId = (await declareWorkflow(deps.db, call.communityId, call.plugin.id, key, name, definition)).id;
        }
        const e = await reportEvent(
          deps.db,
          {
            communityId: call.communityId,
            type: a.type,
            title: a.title,
            description: a.description,
            severity: a.severity,
            location: a.location,
            photos: a.photos,
            source: 'plugin',
            sourceRef: `${refPrefix(call)}${a.key}`,
            workflowId,
          },
          { id: call.user?.id ?? `plugin:${call.plugin.id}`, roles: [] },
        );
        return { id: e.id, state: e.state, version: e.version, createdAt: e.createdAt };
      },
    ],
    [
      'events.get',
      async (call, args) => {
        const a = parse(getArgs, args, 'events.get');
        // Knowing an id is not enough: only the app's own events are readable through the bridge.
        if (!(await isOwn(deps, call, a.id)))
          throw new AppError('NOT_FOUND', { zh: '本应用没有该事件', en: 'No such event of this app' });
        const { event, history } = await getEvent(deps.db, call.communityId, a.id, { id: '', roles: [] });
        return {
          id: event.id,
          type: event.type,
          title: event.title,
          severity: event.severity,
          state: event.state,
          version: event.version,
          rating: event.rating,
          createdAt: event.createdAt,
          updatedAt: event.updatedAt,
          history: history.map((h) => ({ action: h.action, from: h.fromState, to: h.toState, at: h.at })),
        };
      },
    ],
  ];
}

async function isOwn(deps: BaseDeps, call: BridgeCall, id: string) {
  const prefix = refPrefix(call);
  const rows = await withScope(deps.db, { kind: 'communities', ids: [call.communityId] }, (tx) =>
    tx
      .select({ id: events.id })
      .from(events)
      .where(
        and(
          eq(events.id, id),
          eq(events.source, 'plugin'),
          sql`left(${events.sourceRef}, ${prefix.length}) = ${prefix}`,
        ),
      ),
  );
  return rows.length > 0;
}

import { enqueue } from '@shequ/bus';
import {
  compounds,
  type DataScope,
  type Executor,
  houses,
  mergeProposals,
  people,
  type Tx,
  vehicles,
  withScope,
} from '@shequ/db';
import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { maskPhone } from '../crypto/mask.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { assertMayEnter } from './data-entry.ts';
import { recordChange } from './people-repo.ts';
import { type BaseDeps, updatePerson } from './people-service.ts';

export type MergeEntity = 'person' | 'house' | 'vehicle';

/** What an import found: a row naming a stored record with other values in some of the fields it carries. */
export interface ProposalDraft {
  entity: MergeEntity;
  targetId: string;
  targetVersion: number;
  sourceRow: number;
  /** The incoming values of the differing fields only (record field names, as the JSON Schemas name them). */
  incoming: Record<string, unknown>;
}

const CONTEXT = 'base.merge_proposals.incoming';

/**
 * Stores an import's proposals in its transaction. The same change proposed again for the same record (the same
 * file imported twice) is stored once; returns how many are new.
 */
export async function recordProposals(
  tx: Executor,
  d: BaseDeps,
  communityId: string,
  source: string,
  actor: string,
  drafts: ProposalDraft[],
): Promise<number> {
  if (drafts.length === 0) return 0;
  const rows = drafts.map((p) => {
    const fields = Object.keys(p.incoming).sort();
    const json = JSON.stringify(Object.fromEntries(fields.map((f) => [f, p.incoming[f] ?? null])));
    return {
      communityId,
      entity: p.entity,
      targetId: p.targetId,
      targetVersion: p.targetVersion,
      fields,
      incomingCipher: d.crypto.encrypt(json, CONTEXT),
      incomingIndex: d.crypto.blindIndex('merge_proposal', `${p.entity}|${p.targetId}|${json}`),
      source: source.slice(0, 200),
      sourceRow: p.sourceRow,
      createdBy: actor,
    };
  });
  const inserted = await tx
    .insert(mergeProposals)
    .values(rows)
    .onConflictDoNothing()
    .returning({ id: mergeProposals.id });
  return inserted.length;
}

/** Fields whose values are L3+ are shown masked on both sides; the rest as they are. */
const shown = (field: string, v: unknown) => {
  if (v === null || v === undefined || v === '') return null;
  if (field === 'phone') return maskPhone(String(v));
  return String(v);
};

async function currentValues(tx: Tx, d: BaseDeps, entity: MergeEntity, ids: string[]) {
  const out = new Map<string, { label: string; values: Record<string, unknown> }>();
  if (ids.length === 0) return out;
  if (entity === 'person') {
    const rows = await tx.select().from(people).where(inArray(people.id, ids));
    for (const r of rows) {
      out.set(r.id, {
        label: `${r.name} ${r.idNumberMasked}`,
        values: {
          name: r.name,
          idType: r.idType,
          phone: r.phoneCipher ? d.crypto.decrypt(r.phoneCipher, 'people.phone') : null,
        },
      });
    }
  } else if (entity === 'vehicle') {
    const rows = await tx
      .select({ v: vehicles, owner: people.name, compound: compounds.name })
      .from(vehicles)
      .leftJoin(people, eq(people.id, vehicles.ownerPersonId))
      .leftJoin(compounds, eq(compounds.id, vehicles.compoundId))
      .where(inArray(vehicles.id, ids));
    for (const { v, owner, compound } of rows) {
      out.set(v.id, {
        label: v.plate,
        values: { kind: v.kind, owner, compound, parkingSpace: v.parkingSpace },
      });
    }
  } else {
    const rows = await tx
      .select({ h: houses, compound: compounds.name })
      .from(houses)
      .innerJoin(compounds, eq(compounds.id, houses.compoundId))
      .where(inArray(houses.id, ids));
    for (const { h, compound } of rows) {
      out.set(h.id, {
        label: `${compound} ${h.building}-${h.unit}-${h.room}`,
        values: { layout: h.layout, area: h.area, ownership: h.ownership, buildingCode: h.buildingCode },
      });
    }
  }
  return out;
}

/** Incoming vehicle values name people and compounds by id; the console shows their names. */
async function readable(tx: Tx, entity: MergeEntity, incoming: Record<string, unknown>) {
  if (entity !== 'vehicle') return incoming;
  const out: Record<string, unknown> = { ...incoming };
  if ('ownerPersonId' in incoming) {
    const id = incoming.ownerPersonId as string | null;
    const [p] = id ? await tx.select({ name: people.name }).from(people).where(eq(people.id, id)) : [];
    out.owner = p?.name ?? null;
    delete out.ownerPersonId;
  }
  if ('compoundId' in incoming) {
    const id = incoming.compoundId as string | null;
    const [c] = id ? await tx.select({ name: compounds.name }).from(compounds).where(eq(compounds.id, id)) : [];
    out.compound = c?.name ?? null;
    delete out.compoundId;
  }
  return out;
}

/** A community's merge proposals, newest first, pending by default: per field the stored and the incoming value. */
export async function listProposals(
  d: BaseDeps,
  scope: DataScope,
  communityId: string,
  opts: { status?: 'pending' | 'accepted' | 'rejected' | 'superseded'; before?: string; limit?: number } = {},
) {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  return withScope(d.db, scope, async (tx) => {
    const rows = await tx
      .select()
      .from(mergeProposals)
      .where(
        and(
          eq(mergeProposals.communityId, communityId),
          eq(mergeProposals.status, opts.status ?? 'pending'),
          opts.before ? lt(mergeProposals.createdAt, new Date(opts.before)) : undefined,
        ),
      )
      .orderBy(desc(mergeProposals.createdAt), desc(mergeProposals.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const current = new Map<string, { label: string; values: Record<string, unknown> }>();
    for (const entity of ['person', 'house', 'vehicle'] as const) {
      const ids = page.filter((r) => r.entity === entity).map((r) => r.targetId);
      for (const [k, v] of await currentValues(tx, d, entity, ids)) current.set(k, v);
    }
    const items = [];
    for (const r of page) {
      const incoming = await readable(
        tx,
        r.entity as MergeEntity,
        JSON.parse(d.crypto.decrypt(r.incomingCipher, CONTEXT)) as Record<string, unknown>,
      );
      const now = current.get(r.targetId);
      items.push({
        id: r.id,
        entity: r.entity as MergeEntity,
        targetId: r.targetId,
        label: now?.label ?? null,
        changes: Object.keys(incoming)
          .sort()
          .map((field) => ({
            field,
            current: shown(field, now?.values[field]),
            incoming: shown(field, incoming[field]),
          })),
        source: r.source,
        sourceRow: r.sourceRow,
        status: r.status,
        createdAt: r.createdAt.toISOString(),
        createdBy: r.createdBy,
        decidedAt: r.decidedAt?.toISOString() ?? null,
        decidedBy: r.decidedBy,
        note: r.note,
      });
    }
    return {
      items,
      nextCursor: rows.length > limit ? page[page.length - 1].createdAt.toISOString() : null,
    };
  });
}

const changedSince = () =>
  new AppError('CONFLICT', {
    zh: '该记录在提出合并建议后已被修改，请拒绝此建议并重新导入',
    en: 'The record changed after this proposal was made; reject it and import again',
  });

async function applyColumns(
  tx: Tx,
  entity: 'house' | 'vehicle',
  p: typeof mergeProposals.$inferSelect,
  incoming: Record<string, unknown>,
  actor: Actor,
) {
  const table = entity === 'house' ? houses : vehicles;
  const version = p.targetVersion + 1;
  const updated = await tx
    .update(table)
    .set({ ...incoming, version, updatedAt: new Date(), updatedBy: actor.subject })
    .where(and(eq(table.id, p.targetId), eq(table.version, p.targetVersion)))
    .returning({ id: table.id });
  if (updated.length === 0) throw changedSince();
  await recordChange(tx, {
    communityId: p.communityId,
    entity,
    entityId: p.targetId,
    version,
    action: 'merge',
    actor: actor.subject,
    fields: p.fields,
  });
}

/**
 * An operator accepts a proposal (the stored record takes the incoming values, with its version checked and a
 * change-history entry) or rejects it (the record stays as it is). Either way the decision is kept and audited.
 */
export async function decideProposal(
  d: BaseDeps,
  scope: DataScope,
  communityId: string,
  id: string,
  decision: 'accept' | 'reject',
  note: string | null,
  actor: Actor,
) {
  await assertMayEnter(d.db, actor, 'L4');
  return withScope(d.db, scope, async (tx) => {
    const [p] = await tx.select().from(mergeProposals).where(eq(mergeProposals.id, id)).for('update');
    if (!p || p.communityId !== communityId) {
      throw new AppError('NOT_FOUND', { zh: '没有这条合并建议', en: 'No such merge proposal' });
    }
    if (p.status !== 'pending') {
      throw new AppError('CONFLICT', {
        zh: '这条合并建议已经处理过了',
        en: `This proposal was already ${p.status}`,
      });
    }
    if (decision === 'accept') {
      const incoming = JSON.parse(d.crypto.decrypt(p.incomingCipher, CONTEXT)) as Record<string, unknown>;
      if (p.entity === 'person') {
        try {
          await updatePerson({ ...d, db: tx }, scope, p.targetId, p.targetVersion, incoming, actor);
        } catch (err) {
          if (err instanceof AppError && err.code === 'CONFLICT' && /修改/.test(err.messageZh)) throw changedSince();
          throw err;
        }
      } else {
        await applyColumns(tx, p.entity as 'house' | 'vehicle', p, incoming, actor);
      }
    }
    const status = decision === 'accept' ? 'accepted' : 'rejected';
    await tx
      .update(mergeProposals)
      .set({ status, decidedAt: new Date(), decidedBy: actor.subject, note: note?.slice(0, 500) ?? null })
      .where(eq(mergeProposals.id, id));
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: `base.merge.${decision}`,
      objectType: p.entity,
      objectId: p.targetId,
      communityId: p.communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { proposal: id, fields: p.fields },
    });
    await enqueue(tx, {
      subject: `shequ.base.merge_${status}`,
      communityId: p.communityId,
      data: { id, entity: p.entity, targetId: p.targetId, fields: p.fields },
    });
    return { id, status };
  });
}

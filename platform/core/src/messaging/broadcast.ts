import { type Audience, broadcasts, type Executor, queryRows, withScope } from '@shequ/db';
import { desc, eq, type SQL, sql } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import type { ChannelKind } from './channel.ts';
import { type MessageDeps, sendMessages } from './send.ts';
import { type BilingualText, renderTemplate, templateByCode } from './templates.ts';

const scopeOf = (communityId: string) => ({ kind: 'communities' as const, ids: [communityId] });

/**
 * The platform users an audience reaches. The whole community is everyone with a role in it; a compound, a
 * building or a tag reaches the users whose phone number (blind index) is on a resident record living there (a
 * current occupancy) or carrying the tag, and who belong to the community.
 */
function audienceQuery(communityId: string, a: Audience): SQL {
  const members = sql`select ra.user_id from identity.role_assignments ra where ra.region_id = ${communityId}`;
  if (a.kind === 'community') return sql`select distinct user_id from (${members}) m`;
  const people =
    a.kind === 'tag'
      ? sql`select p.phone_index from base.people p
            where p.community_id = ${communityId} and ${a.tag} = any(p.tags) and p.phone_index is not null`
      : sql`select p.phone_index from base.people p
            join base.occupancies o on o.person_id = p.id
                                   and (o.valid_to is null or o.valid_to >= current_date)
            join base.houses h on h.id = o.house_id
            join tenancy.compounds c on c.id = h.compound_id
            where p.community_id = ${communityId} and p.phone_index is not null
              and (c.name = ${a.compound} or c.code = ${a.compound})
              ${
                a.kind === 'building'
                  ? sql`and h.building in (${sql.join(
                      a.buildings.map((b) => sql`${b}`),
                      sql`, `,
                    )})`
                  : sql``
              }`;
  return sql`select distinct u.id as user_id from identity.users u
             where u.phone_index in (${people}) and u.id in (${members})`;
}

function checkAudience(a: Audience) {
  const bad = (zh: string, en: string) => new AppError('INVALID_INPUT', { zh, en, fieldErrors: { audience: [en] } });
  if (a.kind === 'compound' || a.kind === 'building') {
    if (!a.compound?.trim()) throw bad('请选择小区', 'Choose a compound');
    if (
      a.kind === 'building' &&
      (!a.buildings?.length || a.buildings.some((b) => !b.trim()) || a.buildings.length > 200)
    )
      throw bad('请填写楼栋（1–200 栋）', 'Give the buildings (1 to 200)');
  }
  if (a.kind === 'tag' && !a.tag?.trim()) throw bad('请填写标签', 'Give the tag');
}

/** How many users an audience reaches now, with a few display names to check it is the right one. */
export async function previewAudience(db: Executor, communityId: string, audience: Audience) {
  checkAudience(audience);
  return withScope(db, { kind: 'all' }, async (tx) => {
    const ids = await queryRows<{ user_id: string }>(tx, audienceQuery(communityId, audience));
    const sample = ids.length
      ? await queryRows<{ display_name: string }>(
          tx,
          sql`select display_name from identity.users where id in (${sql.join(
            ids.slice(0, 5).map((r) => sql`${r.user_id}::uuid`),
            sql`, `,
          )}) order by display_name`,
        )
      : [];
    // For compounds and buildings, also how many households (houses with a current occupant) the notice concerns.
    const households =
      audience.kind === 'compound' || audience.kind === 'building'
        ? await queryRows<{ n: number }>(
            tx,
            sql`select count(distinct h.id)::int as n from base.houses h
                join tenancy.compounds c on c.id = h.compound_id
                join base.occupancies o on o.house_id = h.id and (o.valid_to is null or o.valid_to >= current_date)
                where h.community_id = ${communityId}
                  and (c.name = ${audience.compound} or c.code = ${audience.compound})
                  ${
                    audience.kind === 'building'
                      ? sql`and h.building in (${sql.join(
                          audience.buildings.map((b) => sql`${b}`),
                          sql`, `,
                        )})`
                      : sql``
                  }`,
          )
        : null;
    return {
      count: ids.length,
      households: households ? Number(households[0]?.n ?? 0) : null,
      sample: sample.map((s) => s.display_name),
      userIds: ids.map((r) => r.user_id),
    };
  });
}

export interface BroadcastRequest {
  communityId: string;
  audience: Audience;
  /** A template and its variables, or the text itself. */
  template?: { code: string; vars: Record<string, string> };
  text?: BilingualText;
  channels: ChannelKind[];
  urgent?: boolean;
  /** The count the sender saw in the preview: if the audience changed since, the broadcast is refused. */
  expectedCount: number;
}

/** Sends a broadcast after its audience preview: the recipients are resolved again and must match the count seen. */
export async function sendBroadcast(d: MessageDeps, req: BroadcastRequest, actor: Actor) {
  let content: BilingualText;
  let templateCode: string | null = null;
  if (req.template) {
    const t = await templateByCode(d.db, req.communityId, req.template.code);
    content = renderTemplate(t, req.template.vars);
    templateCode = t.code;
  } else if (req.text) {
    content = req.text;
    for (const [k, v] of Object.entries(content)) {
      if (!v.trim() || v.length > 2000) {
        throw new AppError('INVALID_INPUT', {
          zh: '请填写中英文标题和正文（每项不超过 2000 字）',
          en: 'Give the title and text in Chinese and English (at most 2,000 characters each)',
          fieldErrors: { [k]: ['required'] },
        });
      }
    }
  } else {
    throw new AppError('INVALID_INPUT', { zh: '请选择模板或填写内容', en: 'Choose a template or write the text' });
  }
  const audience = await previewAudience(d.db, req.communityId, req.audience);
  if (audience.count !== req.expectedCount) {
    throw new AppError('CONFLICT', {
      zh: `接收人数已变化（预览 ${req.expectedCount} 人，现在 ${audience.count} 人），请重新预览后再发送`,
      en: `The audience changed (${req.expectedCount} in the preview, ${audience.count} now); preview again before sending`,
    });
  }
  if (audience.count === 0) {
    throw new AppError('INVALID_INPUT', { zh: '没有接收人，无法发送', en: 'Nobody is in this audience' });
  }
  const [b] = await withScope(d.db, scopeOf(req.communityId), (tx) =>
    tx
      .insert(broadcasts)
      .values({
        communityId: req.communityId,
        audience: req.audience,
        templateCode,
        ...content,
        channels: [...new Set(['in_app', ...req.channels])],
        urgent: !!req.urgent,
        audienceCount: audience.count,
        createdBy: actor.subject,
      })
      .returning(),
  );
  const sent = await sendMessages(
    d,
    {
      communityId: req.communityId,
      userIds: audience.userIds,
      content,
      channels: b.channels as ChannelKind[],
      sender: actor.subject,
      templateCode,
      broadcastId: b.id,
      urgent: b.urgent,
    },
    actor,
  );
  return { id: b.id, recipients: sent.messages, deliveries: sent.deliveries };
}

/** Broadcasts of a community, newest first, with delivery counts by channel and status. */
export async function listBroadcasts(db: Executor, communityId: string) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const rows = await tx
      .select()
      .from(broadcasts)
      .where(eq(broadcasts.communityId, communityId))
      .orderBy(desc(broadcasts.createdAt))
      .limit(100);
    const counts = rows.length
      ? await queryRows<{ broadcast_id: string; channel: string; status: string; n: number }>(
          tx,
          sql`select i.broadcast_id, d.channel, d.status, count(*)::int as n
              from message.deliveries d join message.inbox i on i.id = d.message_id
              where i.broadcast_id in (${sql.join(
                rows.map((r) => sql`${r.id}::uuid`),
                sql`, `,
              )})
              group by 1, 2, 3`,
        )
      : [];
    return rows.map((r) => ({
      id: r.id,
      audience: r.audience,
      titleZh: r.titleZh,
      titleEn: r.titleEn,
      channels: r.channels,
      urgent: r.urgent,
      audienceCount: r.audienceCount,
      createdAt: r.createdAt.toISOString(),
      deliveries: counts
        .filter((c) => c.broadcast_id === r.id)
        .map((c) => ({ channel: c.channel, status: c.status, count: Number(c.n) })),
    }));
  });
}

'use client';

import { useQuery } from '@tanstack/react-query';
import { Card, Descriptions, Image, Tag, Timeline, Typography } from 'antd';
import { PageError, PageLoading } from '@/components/apps/page-state';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { EventActions } from './event-actions';
import {
  actionLabel,
  severityColor,
  severityLabel,
  sourceLabel,
  stateColor,
  stateLabel,
  typeLabel,
  when,
} from './event-labels';

/** One event: what, where, photos, who handles it, the history, and what the viewer may do now. */
export function EventDetail({ community, id, desk }: { community: string; id: string; desk: boolean }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const q = useQuery(trpc.events.get.queryOptions({ community, id }));
  if (q.isLoading) return <PageLoading />;
  if (q.error || !q.data) return <PageError error={q.error} onRetry={() => q.refetch()} />;
  const { event: e, photos, history, names, allowed, workflow } = q.data;
  const stateName = (s: string | null) => {
    if (!s) return '';
    const def = workflow.states.find((x) => x.name === s);
    const label = stateLabel(t, s);
    return label !== s ? label : def ? (lang === 'en' ? def.en : def.zh) : s;
  };
  const nameOf = (who: string) => names[who] ?? (who.startsWith('system:') ? 'system' : who);
  const l = e.location;
  const place = [l.text, l.lon != null ? `${l.lon}, ${l.lat}` : null].filter(Boolean).join(' · ');
  return (
    <div data-testid="event-detail" data-state={e.state} data-version={e.version}>
      <Card styles={{ body: { padding: 16 } }}>
        <Typography.Title level={4} style={{ marginTop: 0 }} data-testid="event-detail-title">
          {e.title}
        </Typography.Title>
        <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap', marginBottom: 12 }}>
          <Tag
            color={stateColor[e.state] ?? 'default'}
            data-testid="event-state"
            style={{ fontSize: '1em', padding: '2px 10px' }}
          >
            {stateName(e.state)}
          </Tag>
          <Tag color={severityColor[e.severity]}>{severityLabel(t, e.severity)}</Tag>
          <Tag>{typeLabel(t, e.type)}</Tag>
          <Tag>{sourceLabel(t, e.source)}</Tag>
        </div>
        {e.description ? (
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{e.description}</Typography.Paragraph>
        ) : null}
        <Descriptions
          column={1}
          size="small"
          items={[
            ...(place ? [{ key: 'place', label: t('events.field.location'), children: place }] : []),
            { key: 'at', label: t('events.reportedAt'), children: when(e.createdAt, lang) },
            { key: 'reporter', label: t('events.reporter'), children: nameOf(e.reporterId) },
            {
              key: 'assignee',
              label: t('events.assignee'),
              children: (
                <span data-testid="event-assignee-name">
                  {e.assigneeId ? nameOf(e.assigneeId) : t('events.noAssignee')}
                </span>
              ),
            },
            ...(e.slaDueAt ? [{ key: 'due', label: t('events.sla.due'), children: when(e.slaDueAt, lang) }] : []),
            ...(e.rating
              ? [
                  {
                    key: 'rating',
                    label: t('events.rating'),
                    children: `${'★'.repeat(e.rating)}${e.ratingComment ? ` ${e.ratingComment}` : ''}`,
                  },
                ]
              : []),
          ]}
        />
        {photos.length ? (
          <div style={{ marginTop: 12 }}>
            <div style={{ fontWeight: 600, marginBottom: 8 }}>{t('events.photos')}</div>
            <Image.PreviewGroup>
              <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
                {photos.map((p) => (
                  <Image
                    key={p.id}
                    src={p.url}
                    width={96}
                    height={96}
                    style={{ objectFit: 'cover', borderRadius: 8 }}
                  />
                ))}
              </div>
            </Image.PreviewGroup>
          </div>
        ) : null}
      </Card>
      <EventActions community={community} id={e.id} version={e.version} allowed={allowed} desk={desk} />
      <Card style={{ marginTop: 16 }} title={t('events.history')} styles={{ body: { padding: 16 } }}>
        <Timeline
          data-testid="event-history"
          items={history.map((h) => ({
            key: h.seq,
            color: h.action.startsWith('sla.') ? 'red' : undefined,
            content: (
              <div data-testid="event-history-item" data-action={h.action}>
                <div style={{ fontWeight: 600 }}>
                  {actionLabel(t, h.action)}
                  {h.toState && h.toState !== h.fromState ? ` → ${stateName(h.toState)}` : ''}
                </div>
                <div style={{ color: '#666' }}>
                  {when(h.at, lang)} · {nameOf(h.actor)}
                </div>
                {typeof h.detail?.note === 'string' ? <div>{h.detail.note}</div> : null}
                {typeof h.detail?.assigneeId === 'string' ? <div>{nameOf(h.detail.assigneeId)}</div> : null}
              </div>
            ),
          }))}
        />
      </Card>
    </div>
  );
}

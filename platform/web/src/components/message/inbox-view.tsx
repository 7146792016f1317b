'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { Badge, Button, Card, Empty, Typography, theme } from 'antd';
import { useState } from 'react';
import { PageError, PageLoading } from '@/components/apps/page-state';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';

/** 我的消息: newest first, unread marked; opening one marks it read. Large text friendly (sizes follow the shell). */
export function InboxView({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { token } = theme.useToken();
  const inbox = useQuery(trpc.message.inbox.queryOptions({ community }));
  const [open, setOpen] = useState<string | null>(null);
  const read = useMutation(trpc.message.markRead.mutationOptions({ onSuccess: () => void inbox.refetch() }));
  if (inbox.isPending) return <PageLoading />;
  if (inbox.error) return <PageError error={inbox.error} onRetry={() => inbox.refetch()} />;
  const unreadIds = inbox.data.items.filter((m) => !m.readAt).map((m) => m.id);
  const when = (iso: string) =>
    new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(
      new Date(iso),
    );
  return (
    <div style={{ marginTop: 16 }} data-testid="inbox">
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <Typography.Title level={4} style={{ margin: 0 }} data-testid="page-title">
          {t('inbox.title')}
        </Typography.Title>
        {unreadIds.length > 0 ? (
          <Button size="large" onClick={() => read.mutate({ community, ids: unreadIds })} data-testid="inbox-mark-all">
            {t('inbox.markAll')}
          </Button>
        ) : null}
      </div>
      <div style={{ color: token.colorTextSecondary, margin: '8px 0 16px' }} data-testid="inbox-unread">
        {t('inbox.unread', { n: inbox.data.unread })}
      </div>
      {inbox.data.items.length === 0 ? <Empty description={t('inbox.empty')} /> : null}
      {inbox.data.items.map((m) => (
        <Card
          key={m.id}
          data-testid="inbox-item"
          data-read={m.readAt ? 'yes' : 'no'}
          hoverable
          style={{ marginBottom: 12 }}
          styles={{ body: { padding: 16 } }}
          onClick={() => {
            setOpen(open === m.id ? null : m.id);
            if (!m.readAt) read.mutate({ community, ids: [m.id] });
          }}
        >
          <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
            <span style={{ fontWeight: 600, fontSize: token.fontSize * 1.15 }}>
              {m.readAt ? null : <Badge status="processing" text={t('inbox.new')} style={{ marginRight: 8 }} />}
              {lang === 'en' ? m.titleEn : m.titleZh}
            </span>
            <span style={{ color: token.colorTextTertiary, whiteSpace: 'nowrap' }}>{when(m.createdAt)}</span>
          </div>
          <div
            style={{
              marginTop: 8,
              whiteSpace: 'pre-wrap',
              ...(open === m.id ? {} : { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
            }}
          >
            {lang === 'en' ? m.bodyEn : m.bodyZh}
          </div>
        </Card>
      ))}
    </div>
  );
}

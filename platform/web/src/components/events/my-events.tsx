'use client';

import { PlusOutlined, RightOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Tag, theme } from 'antd';
import Link from 'next/link';
import { PageError, PageLoading } from '@/components/apps/page-state';
import { EmptyState } from '@/components/empty-state';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { stateColor, stateLabel, typeLabel, when } from './event-labels';

/** 我的事件: the resident's reports, newest first, as large tap targets; a button to report a new one. */
export function MyEvents({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const { token } = theme.useToken();
  const trpc = useTRPC();
  const q = useQuery(trpc.events.mine.queryOptions({ community }));
  return (
    <div style={{ marginTop: 16 }}>
      <h2 style={{ margin: '0 0 12px' }}>{t('events.title')}</h2>
      <Link href="/app/me/events/new">
        <Button type="primary" size="large" block icon={<PlusOutlined />} data-testid="event-new">
          {t('events.report')}
        </Button>
      </Link>
      <div style={{ marginTop: 16 }}>
        {q.isLoading ? (
          <PageLoading />
        ) : q.error ? (
          <PageError error={q.error} onRetry={() => q.refetch()} />
        ) : !q.data?.items.length ? (
          <EmptyState description={t('events.empty')} />
        ) : (
          q.data.items.map((e) => (
            <Link
              key={e.id}
              href={`/app/me/events/${e.id}`}
              data-testid="my-event"
              data-state={e.state}
              style={{
                display: 'flex',
                alignItems: 'center',
                gap: 12,
                padding: '14px 16px',
                minHeight: 72,
                marginBottom: 8,
                borderRadius: 12,
                background: '#f5f8ff',
                color: 'inherit',
                textDecoration: 'none',
              }}
            >
              <span style={{ flex: 1, display: 'flex', flexDirection: 'column', gap: 4 }}>
                <span style={{ fontWeight: 600, fontSize: token.fontSize * 1.1 }}>{e.title}</span>
                <span style={{ color: token.colorTextSecondary, fontSize: token.fontSizeSM }}>
                  {typeLabel(t, e.type)} · {when(e.createdAt, lang)}
                </span>
              </span>
              <Tag color={stateColor[e.state] ?? 'default'}>{stateLabel(t, e.state)}</Tag>
              <RightOutlined style={{ color: token.colorTextTertiary }} />
            </Link>
          ))
        )}
      </div>
    </div>
  );
}

'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Table, Tabs, Tag } from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { BroadcastForm } from './broadcast-form';
import { TemplatesTab } from './templates-tab';

type Broadcast = inferOutput<ReturnType<typeof useTRPC>['message']['broadcasts']>[number];

function HistoryTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const list = useQuery(trpc.message.broadcasts.queryOptions({ community }));
  const audience = (a: Broadcast['audience']) =>
    a.kind === 'community'
      ? t('msg.audience.community')
      : a.kind === 'compound'
        ? `${t('msg.audience.compound')} ${a.compound}`
        : a.kind === 'building'
          ? `${a.compound} ${a.buildings.join(', ')}${lang === 'en' ? '' : '幢'}`
          : `${t('msg.audience.tag')} ${a.tag}`;
  return (
    <Table<Broadcast>
      rowKey="id"
      loading={list.isPending}
      dataSource={list.data ?? []}
      columns={[
        { title: t('msg.history.time'), render: (_, b) => new Date(b.createdAt).toLocaleString(lang) },
        { title: t('msg.history.title'), render: (_, b) => (lang === 'en' ? b.titleEn : b.titleZh) },
        { title: t('msg.history.audience'), render: (_, b) => audience(b.audience) },
        { title: t('msg.history.count'), dataIndex: 'audienceCount' },
        {
          title: t('msg.history.deliveries'),
          render: (_, b) =>
            b.deliveries.map((d) => (
              <Tag key={`${d.channel}:${d.status}`}>
                {t(`msg.channel.${d.channel}` as MessageKey)} {d.status} {d.count}
              </Tag>
            )),
        },
      ]}
    />
  );
}

/** 消息与通知 in the console: send a broadcast, edit templates, see what was sent and how it was delivered. */
export function MessagesConsole({ community }: { community: string }) {
  const t = useT();
  const trpc = useTRPC();
  const history = useQuery(trpc.message.broadcasts.queryOptions({ community }));
  return (
    <Tabs
      items={[
        {
          key: 'broadcast',
          label: t('msg.tab.broadcast'),
          children: <BroadcastForm community={community} onSent={() => void history.refetch()} />,
        },
        { key: 'templates', label: t('msg.tab.templates'), children: <TemplatesTab community={community} /> },
        { key: 'history', label: t('msg.tab.history'), children: <HistoryTab community={community} /> },
      ]}
    />
  );
}

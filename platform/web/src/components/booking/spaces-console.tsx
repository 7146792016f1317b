'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Alert, App, Button, Empty, Input, Select, Table, Tabs, Tag } from 'antd';
import { useState } from 'react';
import { PageError } from '@/components/apps/page-state';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { yuan } from './book-space';
import { slotText } from './my-bookings';
import { SpaceSettingsDrawer } from './space-settings-drawer';

type SpaceRow = inferOutput<ReturnType<typeof useTRPC>['booking']['allSpaces']>[number];

function SpacesTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const spaces = useQuery(trpc.booking.allSpaces.queryOptions({ community }));
  const [editing, setEditing] = useState<SpaceRow | null>(null);
  if (spaces.error) return <PageError error={spaces.error} onRetry={() => spaces.refetch()} />;
  return (
    <>
      <Table<SpaceRow>
        rowKey="spaceId"
        loading={spaces.isPending}
        dataSource={spaces.data ?? []}
        pagination={false}
        locale={{ emptyText: <Empty description={t('booking.console.noSpaces')} /> }}
        columns={[
          { title: t('booking.console.space'), dataIndex: 'name' },
          { title: t('booking.console.useType'), dataIndex: 'useType' },
          {
            title: t('booking.console.state'),
            render: (_, s) =>
              !s.settings ? (
                <Tag>{t('booking.console.notBookable')}</Tag>
              ) : s.settings.enabled ? (
                <Tag color="green">{t('booking.console.enabled')}</Tag>
              ) : (
                <Tag color="orange">{t('booking.console.disabled')}</Tag>
              ),
          },
          {
            title: t('booking.list.actions'),
            render: (_, s) => (
              <Button data-testid="space-edit" onClick={() => setEditing(s)}>
                {t('booking.console.edit')}
              </Button>
            ),
          },
        ]}
      />
      <SpaceSettingsDrawer
        community={community}
        space={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          void spaces.refetch();
        }}
      />
    </>
  );
}

type Booking = inferOutput<ReturnType<typeof useTRPC>['booking']['list']>[number];

function BookingsTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message, modal } = App.useApp();
  const spaces = useQuery(trpc.booking.allSpaces.queryOptions({ community }));
  const [spaceId, setSpaceId] = useState<string | undefined>();
  const list = useQuery(trpc.booking.list.queryOptions({ community, spaceId }));
  const cancel = useMutation(
    trpc.booking.cancelAsStaff.mutationOptions({
      onSuccess: () => void list.refetch(),
      onError: (e) => message.error(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  const askCancel = (b: Booking) => {
    let reason = '';
    modal.confirm({
      title: `${t('booking.list.cancel')}: ${b.spaceName} ${slotText(b, lang)}`,
      content: <Input placeholder={t('booking.list.cancelReason')} onChange={(e) => (reason = e.target.value)} />,
      okButtonProps: { danger: true },
      onOk: () => cancel.mutateAsync({ community, id: b.id, reason: reason.trim() || '—' }),
    });
  };
  return (
    <>
      <Select
        allowClear
        style={{ minWidth: 240, marginBottom: 16 }}
        placeholder={t('booking.console.space')}
        value={spaceId}
        onChange={setSpaceId}
        options={(spaces.data ?? []).filter((s) => s.settings).map((s) => ({ value: s.spaceId, label: s.name }))}
      />
      {list.error ? <PageError error={list.error} onRetry={() => list.refetch()} /> : null}
      <Table<Booking>
        rowKey="id"
        loading={list.isPending}
        dataSource={list.data ?? []}
        locale={{ emptyText: t('booking.list.empty') }}
        columns={[
          { title: t('booking.console.space'), dataIndex: 'spaceName' },
          { title: t('booking.list.time'), render: (_, b) => slotText(b, lang) },
          { title: t('booking.list.unit'), dataIndex: 'unit' },
          {
            title: t('booking.list.status'),
            render: (_, b) => (
              <Tag data-testid="console-booking-status">{t(`booking.status.${b.status}` as MessageKey)}</Tag>
            ),
          },
          {
            title: t('booking.list.payment'),
            render: (_, b) => (b.feeFen > 0 ? `¥${yuan(b.feeFen)} · ${b.paymentStatus}` : '—'),
          },
          {
            title: t('booking.list.actions'),
            render: (_, b) =>
              b.status === 'confirmed' || b.status === 'held' ? (
                <Button danger size="small" onClick={() => askCancel(b)}>
                  {t('booking.list.cancel')}
                </Button>
              ) : null,
          },
        ]}
      />
    </>
  );
}

/** A USB or Bluetooth QR scanner types the token and Enter into the field; the short code can be typed by hand. */
function CheckInTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const [value, setValue] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string; fee?: string } | null>(null);
  const checkIn = useMutation(
    trpc.booking.checkIn.mutationOptions({
      onSuccess: (b) => {
        setValue('');
        setResult({
          ok: true,
          text: t('booking.checkin.ok', { space: b.spaceName ?? '', time: slotText(b, lang) }),
          fee: b.paymentStatus === 'pending' ? t('booking.checkin.feeDue', { yuan: yuan(b.feeFen) }) : undefined,
        });
      },
      onError: (e) => setResult({ ok: false, text: errorMessage(e, lang, t('common.networkError')) }),
    }),
  );
  const submit = () => {
    const v = value.trim();
    if (!v) return;
    checkIn.mutate(v.startsWith('SQB1.') ? { community, token: v } : { community, code: v });
  };
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 12, width: '100%', maxWidth: 560 }}>
      <Input.Search
        data-testid="checkin-input"
        size="large"
        autoFocus
        placeholder={t('booking.checkin.input')}
        enterButton={t('booking.checkin.submit')}
        value={value}
        loading={checkIn.isPending}
        onChange={(e) => setValue(e.target.value)}
        onSearch={submit}
      />
      {result ? (
        <Alert
          data-testid="checkin-result"
          type={result.ok ? 'success' : 'error'}
          showIcon
          title={result.text}
          description={result.fee}
        />
      ) : null}
    </div>
  );
}

/** 场地预约 in the console: which spaces are bookable and how, the bookings, and check-in at the door. */
export function SpacesConsole({ community }: { community: string }) {
  const t = useT();
  return (
    <Tabs
      items={[
        { key: 'spaces', label: t('booking.console.settings'), children: <SpacesTab community={community} /> },
        { key: 'bookings', label: t('booking.console.list'), children: <BookingsTab community={community} /> },
        { key: 'checkin', label: t('booking.console.checkin'), children: <CheckInTab community={community} /> },
      ]}
    />
  );
}

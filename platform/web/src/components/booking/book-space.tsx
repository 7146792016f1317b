'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import type { ButtonProps } from 'antd';
import { Alert, App, Button, Descriptions, Empty, Modal, Segmented, Typography, theme } from 'antd';
import { useMemo, useState } from 'react';
import { PageError, PageLoading } from '@/components/apps/page-state';
import type { Lang } from '@/i18n/lang';
import { type TFunction, useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Day = inferOutput<ReturnType<typeof useTRPC>['booking']['availability']>;
type Slot = Day['slots'][number];

/** `yyyy-MM-dd` in Asia/Shanghai (UTC+8 all year), `n` days from today. */
export function shanghaiDay(n: number) {
  return new Date(Date.now() + n * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
}

export const yuan = (fen: number) => (fen / 100).toFixed(2);

/** A day as an older resident reads it: 今天 / 明天 / 11月30日 周一. */
function dayLabel(day: string, n: number, lang: Lang, t: TFunction) {
  if (n === 0) return t('booking.today');
  if (n === 1) return t('booking.tomorrow');
  return new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric', weekday: 'short', timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );
}

function SlotButton({ slot, onPick }: { slot: Slot; onPick: (s: Slot) => void }) {
  const t = useT();
  const { token } = theme.useToken();
  const free = slot.status === 'free';
  const sub =
    slot.status === 'free'
      ? slot.free > 1
        ? t('booking.slot.freeN', { n: slot.free })
        : t('booking.slot.free')
      : slot.status === 'taken'
        ? t('booking.slot.taken')
        : t('booking.slot.closed');
  return (
    <Button
      data-testid="booking-slot"
      data-status={slot.status}
      disabled={!free}
      type={free ? 'default' : 'dashed'}
      onClick={() => onPick(slot)}
      style={{ height: 'auto', minHeight: 64, padding: '8px 4px', display: 'flex', flexDirection: 'column' }}
    >
      <span style={{ fontSize: token.fontSize * 1.15, fontWeight: 600 }}>{slot.label}</span>
      <span style={{ fontSize: token.fontSizeSM, color: free ? token.colorSuccess : token.colorTextTertiary }}>
        {sub}
      </span>
    </Button>
  );
}

/** Pick a space, a day and a free slot, then confirm: the booking is held and confirmed in one step. */
export function BookSpace({ community, onBooked }: { community: string; onBooked: () => void }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const spaces = useQuery(trpc.booking.spaces.queryOptions({ community }));
  const [spaceId, setSpaceId] = useState<string | null>(null);
  const [dayIndex, setDayIndex] = useState(1);
  const [picked, setPicked] = useState<Slot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = spaceId ?? spaces.data?.[0]?.spaceId ?? null;
  const space = spaces.data?.find((s) => s.spaceId === current);
  const advance = Math.min(space?.settings?.advanceDays ?? 7, 14);
  const days = useMemo(() => Array.from({ length: advance + 1 }, (_, i) => shanghaiDay(i)), [advance]);
  const day = days[Math.min(dayIndex, days.length - 1)];
  const availabilityOptions = trpc.booking.availability.queryOptions(
    { community, spaceId: current ?? '00000000-0000-4000-8000-000000000000', day },
    { enabled: !!current },
  );
  const availability = useQuery(availabilityOptions);
  const book = useMutation(
    trpc.booking.book.mutationOptions({
      onSuccess: async () => {
        setPicked(null);
        setError(null);
        message.success(t('booking.done'));
        onBooked();
      },
      onError: (e) => {
        // Close the dialog so the reason (for example 已被预约) shows above the refreshed slots.
        setPicked(null);
        setError(errorMessage(e, lang, t('common.networkError')));
      },
      onSettled: () => queryClient.invalidateQueries({ queryKey: availabilityOptions.queryKey }),
    }),
  );

  if (spaces.isPending) return <PageLoading />;
  if (spaces.error) return <PageError error={spaces.error} onRetry={() => spaces.refetch()} />;
  if (spaces.data.length === 0) return <Empty data-testid="booking-no-spaces" description={t('booking.noSpaces')} />;

  return (
    <div data-testid="booking-book">
      <Typography.Title level={5}>{t('booking.pickSpace')}</Typography.Title>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>
        {spaces.data.map((s) => (
          <Button
            key={s.spaceId}
            data-testid="booking-space"
            size="large"
            type={s.spaceId === current ? 'primary' : 'default'}
            onClick={() => {
              setSpaceId(s.spaceId);
              setError(null);
            }}
          >
            {s.name}
          </Button>
        ))}
      </div>
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('booking.pickDay')}
      </Typography.Title>
      <div style={{ overflowX: 'auto' }}>
        <Segmented
          data-testid="booking-days"
          size="large"
          value={day}
          onChange={(v) => setDayIndex(days.indexOf(v as string))}
          options={days.map((d, i) => ({ value: d, label: dayLabel(d, i, lang, t) }))}
        />
      </div>
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('booking.pickSlot')}
      </Typography.Title>
      {error ? (
        <Alert
          type="error"
          showIcon
          data-testid="booking-error"
          title={error}
          style={{ marginBottom: 12 }}
          closable={{ onClose: () => setError(null) }}
        />
      ) : null}
      {availability.isPending ? (
        <PageLoading />
      ) : availability.error ? (
        <PageError error={availability.error} onRetry={() => availability.refetch()} />
      ) : availability.data.slots.length === 0 ? (
        <Empty description={t('booking.noSlots')} />
      ) : (
        <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(130px, 1fr))', gap: 8 }}>
          {availability.data.slots.map((s) => (
            <SlotButton key={s.start} slot={s} onPick={setPicked} />
          ))}
        </div>
      )}
      <Modal
        open={!!picked}
        title={t('booking.confirm.title')}
        okText={t('booking.confirm.ok')}
        okButtonProps={{ size: 'large', loading: book.isPending, 'data-testid': 'booking-confirm' } as ButtonProps}
        cancelButtonProps={{ size: 'large' }}
        onCancel={() => setPicked(null)}
        onOk={() => picked && current && book.mutate({ community, spaceId: current, start: picked.start })}
      >
        {picked && availability.data ? (
          <Descriptions
            column={1}
            size="middle"
            items={[
              { key: 'space', label: t('booking.confirm.space'), children: availability.data.name },
              { key: 'time', label: t('booking.confirm.time'), children: `${day} ${picked.label}` },
              {
                key: 'fee',
                label: t('booking.confirm.fee'),
                children:
                  availability.data.feeFen > 0
                    ? t('booking.confirm.feePending', { yuan: yuan(availability.data.feeFen) })
                    : t('booking.confirm.free'),
              },
              ...(availability.data.rules
                ? [{ key: 'rules', label: t('booking.confirm.rules'), children: availability.data.rules }]
                : []),
            ]}
          />
        ) : null}
      </Modal>
    </div>
  );
}

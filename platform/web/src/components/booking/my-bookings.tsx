'use client';

import { QrcodeOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import type { ButtonProps } from 'antd';
import { App, Button, Card, Empty, Modal, QRCode, Tag, Typography, theme } from 'antd';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { PageError, PageLoading } from '@/components/apps/page-state';
import type { Lang, MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { yuan } from './book-space';

type Booking = inferOutput<ReturnType<typeof useTRPC>['booking']['mine']>[number];

const statusColour: Record<string, string> = {
  held: 'gold',
  confirmed: 'green',
  checked_in: 'blue',
  cancelled: 'default',
  expired: 'default',
  no_show: 'red',
};

/** 11月30日 周一 09:00–10:00, in Asia/Shanghai. */
export function slotText(b: { start: string; end: string }, lang: Lang) {
  const opts = { timeZone: 'Asia/Shanghai' } as const;
  const d = new Intl.DateTimeFormat(lang, { ...opts, month: 'short', day: 'numeric', weekday: 'short' });
  const h = new Intl.DateTimeFormat('en-GB', { ...opts, hour: '2-digit', minute: '2-digit' });
  return `${d.format(new Date(b.start))} ${h.format(new Date(b.start))}–${h.format(new Date(b.end))}`;
}

function BookingCard({
  b,
  onCode,
  onCancel,
  onConfirm,
  onPay,
}: {
  b: Booking;
  onCode: () => void;
  onCancel: () => void;
  onConfirm: () => void;
  onPay: () => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const { token } = theme.useToken();
  const active = b.status === 'confirmed' || b.status === 'held';
  return (
    <Card
      data-testid="my-booking"
      data-status={b.status}
      style={{ marginBottom: 12 }}
      styles={{ body: { padding: 16 } }}
    >
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'baseline' }}>
        <span style={{ fontSize: token.fontSize * 1.2, fontWeight: 600 }}>{b.spaceName}</span>
        <Tag color={statusColour[b.status]} data-testid="my-booking-status">
          {t(`booking.status.${b.status}` as MessageKey)}
        </Tag>
      </div>
      <div style={{ fontSize: token.fontSize * 1.1, marginTop: 4 }}>{slotText(b, lang)}</div>
      {b.paymentStatus === 'pending' ? (
        <div style={{ color: token.colorWarning, marginTop: 4 }}>
          {t('booking.payment.pending', { yuan: yuan(b.feeFen) })}
          {b.status === 'confirmed' ? (
            <Button type="link" onClick={onPay} data-testid="booking-pay">
              {t('payment.bookingPay')}
            </Button>
          ) : null}
        </div>
      ) : null}
      {active ? (
        <div style={{ display: 'flex', gap: 8, marginTop: 12 }}>
          {b.status === 'held' ? (
            <Button size="large" type="primary" onClick={onConfirm} data-testid="booking-confirm-held">
              {t('booking.confirm.ok')}
            </Button>
          ) : null}
          {b.checkInToken ? (
            <Button size="large" type="primary" icon={<QrcodeOutlined />} onClick={onCode} data-testid="booking-code">
              {t('booking.showCode')}
            </Button>
          ) : null}
          <Button size="large" danger onClick={onCancel} data-testid="booking-cancel">
            {t('booking.cancel')}
          </Button>
        </div>
      ) : null}
    </Card>
  );
}

/** 我的预约: upcoming bookings first, each with its check-in QR code and a cancel button. */
export function MyBookings({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message, modal } = App.useApp();
  const mine = useQuery(trpc.booking.mine.queryOptions({ community }));
  const [code, setCode] = useState<Booking | null>(null);
  const router = useRouter();
  // The fee is paid through the payment service: its order (one per booking) waits in 我的订单.
  const payFee = useMutation(
    trpc.payment.orderForBooking.mutationOptions({
      onSuccess: () => router.push('/app/me/orders'),
      onError: (e) => message.error(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  const cancel = useMutation(
    trpc.booking.cancel.mutationOptions({
      onSuccess: () => {
        message.success(t('booking.cancel.done'));
        void mine.refetch();
      },
      onError: (e) => message.error(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  // A slot an app held for her (through the booking bridge) is confirmed here, before the hold expires.
  const confirm = useMutation(
    trpc.booking.confirm.mutationOptions({
      onSuccess: () => {
        message.success(t('booking.done'));
        void mine.refetch();
      },
      onError: (e) => message.error(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  if (mine.isPending) return <PageLoading />;
  if (mine.error) return <PageError error={mine.error} onRetry={() => mine.refetch()} />;
  return (
    <div data-testid="my-bookings">
      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('booking.mine')}
      </Typography.Title>
      {mine.data.length === 0 ? <Empty description={t('booking.mine.empty')} /> : null}
      {mine.data.map((b) => (
        <BookingCard
          key={b.id}
          b={b}
          onCode={() => setCode(b)}
          onConfirm={() => confirm.mutate({ community, id: b.id })}
          onPay={() => payFee.mutate({ community, bookingId: b.id })}
          onCancel={() =>
            modal.confirm({
              title: t('booking.cancel.confirm'),
              content: `${b.spaceName} ${slotText(b, lang)}`,
              okText: t('booking.cancel'),
              okButtonProps: { danger: true, size: 'large', 'data-testid': 'booking-cancel-ok' } as ButtonProps,
              cancelButtonProps: { size: 'large' },
              cancelText: t('booking.back'),
              onOk: () => cancel.mutateAsync({ community, id: b.id }),
            })
          }
        />
      ))}
      <Modal open={!!code} title={t('booking.code.title')} footer={null} onCancel={() => setCode(null)}>
        {code?.checkInToken ? (
          <div style={{ display: 'flex', flexDirection: 'column', alignItems: 'center', gap: 12 }}>
            <div style={{ fontWeight: 600 }}>
              {code.spaceName} {slotText(code, lang)}
            </div>
            <QRCode value={code.checkInToken} size={240} data-testid="booking-qr" />
            <div>{t('booking.code.hint')}</div>
            <div data-testid="booking-short-code" style={{ fontSize: 28, letterSpacing: 2, fontFamily: 'monospace' }}>
              {code.checkInCode}
            </div>
          </div>
        ) : null}
      </Modal>
    </div>
  );
}

'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Alert, App, Button, Card, Empty, Tag, Typography, theme } from 'antd';
import { PageError, PageLoading } from '@/components/apps/page-state';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { orderStatusColour, yuan } from './money';

type Order = inferOutput<ReturnType<typeof useTRPC>['payment']['mine']>[number];

const when = (iso: string, lang: string) =>
  new Intl.DateTimeFormat(lang, {
    timeZone: 'Asia/Shanghai',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));

function OrderCard({ o, onPay, onCancel, busy }: { o: Order; onPay: () => void; onCancel: () => void; busy: boolean }) {
  const t = useT();
  const { lang } = useLang();
  const { token } = theme.useToken();
  return (
    <Card data-testid="my-order" data-status={o.status} style={{ marginBottom: 12 }} styles={{ body: { padding: 16 } }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'baseline' }}>
        <span style={{ fontSize: token.fontSize * 1.15, fontWeight: 600 }}>{o.subject}</span>
        <Tag color={orderStatusColour[o.status]} data-testid="my-order-status">
          {t(`payment.status.${o.status}` as MessageKey)}
        </Tag>
      </div>
      <div style={{ fontSize: token.fontSize * 1.4, fontWeight: 600, marginTop: 4 }}>¥{yuan(o.amountFen)}</div>
      <div style={{ color: token.colorTextSecondary }}>{when(o.createdAt, lang)}</div>
      {o.paidFen > 0 ? <div>{t('payment.paid', { yuan: yuan(o.paidFen) })}</div> : null}
      {o.refunds.map((r) => (
        <div key={r.id} data-testid="my-order-refund" style={{ color: token.colorPrimary }}>
          {t('payment.refund.line', { time: when(r.createdAt, lang), yuan: yuan(r.amountFen) })}
          {r.status !== 'succeeded' ? ` · ${t(`payment.refundStatus.${r.status}` as MessageKey)}` : ''}
          {r.reason ? ` · ${r.reason}` : ''}
        </div>
      ))}
      {o.status === 'open' ? (
        <div style={{ display: 'flex', gap: 8, marginTop: 12, flexWrap: 'wrap' }}>
          <Button size="large" type="primary" loading={busy} onClick={onPay} data-testid="order-pay">
            {t('payment.pay', { yuan: yuan(o.amountFen) })}
          </Button>
          <Button size="large" onClick={onCancel} data-testid="order-cancel">
            {t('payment.cancel')}
          </Button>
        </div>
      ) : null}
    </Card>
  );
}

/** 我的订单: the resident's orders with what was paid and refunded; unpaid ones are paid in the sandbox. */
export function MyOrders({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const mine = useQuery(trpc.payment.mine.queryOptions({ community }));
  const onError = (e: unknown) => message.error(errorMessage(e, lang, t('common.networkError')));
  const pay = useMutation(
    trpc.payment.pay.mutationOptions({
      onSuccess: () => {
        message.success(t('payment.pay.done'));
        void mine.refetch();
      },
      onError,
    }),
  );
  const cancel = useMutation(
    trpc.payment.cancel.mutationOptions({
      onSuccess: () => {
        message.success(t('payment.cancel.done'));
        void mine.refetch();
      },
      onError,
    }),
  );
  if (mine.isPending) return <PageLoading />;
  if (mine.error) return <PageError error={mine.error} onRetry={() => mine.refetch()} />;
  return (
    <div data-testid="my-orders">
      <Typography.Title level={4} style={{ marginTop: 16 }}>
        {t('payment.title')}
      </Typography.Title>
      <Alert type="info" showIcon title={t('payment.sandboxHint')} style={{ marginBottom: 12 }} />
      {mine.data.length === 0 ? <Empty description={t('payment.empty')} /> : null}
      {mine.data.map((o) => (
        <OrderCard
          key={o.id}
          o={o}
          busy={pay.isPending && pay.variables?.orderId === o.id}
          // One key per order and attempt page: a double tap pays once.
          onPay={() => pay.mutate({ community, orderId: o.id, idempotencyKey: `pay-${o.id}` })}
          onCancel={() => cancel.mutate({ community, orderId: o.id })}
        />
      ))}
    </div>
  );
}

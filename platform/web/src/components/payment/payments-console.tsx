'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Alert, Button, DatePicker, Descriptions, Space, Table, Tabs, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { PageError } from '@/components/apps/page-state';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { orderStatusColour, yuan } from './money';
import { RefundModal, type RefundTarget } from './refund-modal';

type Order = inferOutput<ReturnType<typeof useTRPC>['payment']['list']>[number];

const time = (iso: string) => dayjs(iso).format('YYYY-MM-DD HH:mm');

function Orders({ community }: { community: string }) {
  const t = useT();
  const trpc = useTRPC();
  const list = useQuery(trpc.payment.list.queryOptions({ community }));
  const [target, setTarget] = useState<RefundTarget | null>(null);
  if (list.error) return <PageError error={list.error} onRetry={() => list.refetch()} />;
  return (
    <>
      <Table<Order>
        rowKey="id"
        loading={list.isPending}
        dataSource={list.data ?? []}
        data-testid="payment-orders"
        onRow={(o) => ({ 'data-testid': 'payment-order-row', 'data-subject': o.subject }) as object}
        columns={[
          { title: t('payment.col.subject'), dataIndex: 'subject' },
          { title: t('payment.col.amount'), render: (_, o) => yuan(o.amountFen), align: 'right' },
          { title: t('payment.col.paid'), render: (_, o) => yuan(o.paidFen), align: 'right' },
          { title: t('payment.col.refunded'), render: (_, o) => yuan(o.refundedFen), align: 'right' },
          {
            title: t('payment.col.status'),
            render: (_, o) => (
              <Tag color={orderStatusColour[o.status]} data-testid="payment-order-status">
                {t(`payment.status.${o.status}` as MessageKey)}
              </Tag>
            ),
          },
          { title: t('payment.col.created'), render: (_, o) => time(o.createdAt) },
          {
            title: t('payment.col.actions'),
            render: (_, o) =>
              o.refundableFen > 0 ? (
                <Button
                  size="small"
                  danger
                  data-testid="payment-refund"
                  onClick={() => setTarget({ id: o.id, subject: o.subject, refundableFen: o.refundableFen })}
                >
                  {t('payment.refund')}
                </Button>
              ) : null,
          },
        ]}
      />
      <RefundModal
        community={community}
        target={target}
        onClose={(done) => {
          setTarget(null);
          if (done) void list.refetch();
        }}
      />
    </>
  );
}

function Refunds({ community }: { community: string }) {
  const t = useT();
  const trpc = useTRPC();
  const list = useQuery(trpc.payment.refunds.queryOptions({ community }));
  if (list.error) return <PageError error={list.error} onRetry={() => list.refetch()} />;
  return (
    <Table
      rowKey="id"
      loading={list.isPending}
      dataSource={list.data ?? []}
      columns={[
        { title: t('payment.col.created'), render: (_, r) => time(r.createdAt) },
        { title: t('payment.col.amount'), render: (_, r) => yuan(r.amountFen), align: 'right' },
        { title: t('payment.col.reason'), dataIndex: 'reason' },
        {
          title: t('payment.col.refundStatus'),
          render: (_, r) => (
            <Space size={4} wrap>
              <Tag color={r.status === 'succeeded' ? 'green' : r.status === 'failed' ? 'red' : 'orange'}>
                {t(`payment.refundStatus.${r.status}` as MessageKey)}
              </Tag>
              {r.failureReason ? <Typography.Text type="secondary">{r.failureReason}</Typography.Text> : null}
            </Space>
          ),
        },
        { title: t('payment.diff.reference'), dataIndex: 'outRefundNo' },
      ]}
    />
  );
}

function Reconcile({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const [day, setDay] = useState(dayjs().format('YYYY-MM-DD'));
  const report = useQuery(trpc.payment.reconciliation.queryOptions({ community, day }));
  const r = report.data;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space>
        {t('payment.reconcile.day')}
        <DatePicker
          value={dayjs(day)}
          allowClear={false}
          onChange={(d) => d && setDay(d.format('YYYY-MM-DD'))}
          data-testid="reconcile-day"
        />
        <Button onClick={() => report.refetch()} data-testid="reconcile-run">
          {t('payment.reconcile.run')}
        </Button>
      </Space>
      {report.error ? (
        <Alert type="error" showIcon title={errorMessage(report.error, lang, t('common.networkError'))} />
      ) : null}
      {r ? (
        <>
          <Alert
            data-testid="reconcile-result"
            type={r.balanced ? 'success' : 'warning'}
            showIcon
            title={
              r.balanced
                ? t('payment.reconcile.balanced')
                : t('payment.reconcile.differences', { count: r.differences.length })
            }
          />
          <Descriptions
            column={1}
            size="small"
            items={[
              {
                key: 'bill',
                children: t('payment.reconcile.bill', {
                  lines: r.bill.lines,
                  captured: yuan(r.bill.capturedFen),
                  refunded: yuan(r.bill.refundedFen),
                }),
              },
              {
                key: 'ledger',
                children: t('payment.reconcile.ledger', {
                  lines: r.ledger.lines,
                  captured: yuan(r.ledger.capturedFen),
                  refunded: yuan(r.ledger.refundedFen),
                }),
              },
            ]}
          />
          {r.differences.length > 0 ? (
            <Table
              rowKey={(d) => `${d.kind}:${d.reference}`}
              dataSource={r.differences}
              pagination={false}
              columns={[
                { title: t('payment.diff.kind'), render: (_, d) => t(`payment.diff.${d.kind}` as MessageKey) },
                { title: t('payment.diff.reference'), dataIndex: 'reference' },
                { title: t('payment.diff.bill'), render: (_, d) => (d.billFen === null ? '—' : yuan(d.billFen)) },
                { title: t('payment.diff.ledger'), render: (_, d) => (d.ledgerFen === null ? '—' : yuan(d.ledgerFen)) },
              ]}
            />
          ) : null}
        </>
      ) : null}
    </Space>
  );
}

/** 支付管理: the community's orders (refund with an amount), the refunds, and the daily reconciliation report. */
export function PaymentsConsole({ community }: { community: string }) {
  const t = useT();
  return (
    <Tabs
      items={[
        { key: 'orders', label: t('payment.console.orders'), children: <Orders community={community} /> },
        { key: 'refunds', label: t('payment.console.refunds'), children: <Refunds community={community} /> },
        { key: 'reconcile', label: t('payment.console.reconcile'), children: <Reconcile community={community} /> },
      ]}
    />
  );
}

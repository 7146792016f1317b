'use client';

import { HeartOutlined, LeftOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Empty, Input, InputNumber, Select, Typography, theme } from 'antd';
import Link from 'next/link';
import { useState } from 'react';
import { PageError, PageLoading } from '@/components/apps/page-state';
import { EntryCard } from '@/components/shell/entry-card';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { LedgerHistory } from './ledger-history';

/** Hours for people, minutes in the ledger: 1.5 小时 is 90. */
const hours = (minutes: number) => Math.round((minutes / 60) * 10) / 10;

/** The 时间银行 card on 我的: the resident's banked hours. */
export function TimeBankEntry({ community }: { community: string }) {
  const t = useT();
  const trpc = useTRPC();
  const mine = useQuery(trpc.points.mine.queryOptions({ community, kind: 'time' }));
  return (
    <EntryCard
      href="/app/me/timebank"
      testId="me-timebank-link"
      icon={(token) => <HeartOutlined style={{ fontSize: token.fontSize * 1.6, color: token.colorError }} />}
      title={t('timebank.title')}
      hint={t('timebank.entry.hint', { hours: mine.data ? hours(mine.data.balance) : '…' })}
    />
  );
}

/**
 * 时间银行: hours given as a volunteer are banked (+1 per hour given), hours received are spent; a resident may give
 * banked hours to family members of her household who have an account (a plain confirm first). Big text throughout.
 */
export function TimeBankView({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const { token } = theme.useToken();
  const { modal } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const mine = useQuery(trpc.points.mine.queryOptions({ community, kind: 'time' }));
  const family = useQuery(trpc.points.family.queryOptions({ community }));
  const give = useMutation(trpc.points.give.mutationOptions());
  const [to, setTo] = useState<string | undefined>();
  const [amount, setAmount] = useState<number | null>(1);
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (mine.isLoading) return <PageLoading />;
  if (mine.error || !mine.data) return <PageError error={mine.error} onRetry={() => mine.refetch()} />;
  const balance = mine.data.balance;
  const member = (family.data ?? []).find((m) => m.userId === to);
  const minutes = Math.round((amount ?? 0) * 60);

  const ask = () => {
    if (!member || minutes <= 0) return;
    modal.confirm({
      title: t('timebank.give.confirm', { name: member.name, hours: hours(minutes) }),
      okText: t('timebank.give.ok'),
      cancelText: t('common.cancel'),
      okButtonProps: { size: 'large', 'data-testid': 'timebank-confirm' } as { size: 'large' } & Record<
        `data-${string}`,
        string
      >,
      cancelButtonProps: { size: 'large' },
      onOk: async () => {
        setError(null);
        setDone(null);
        try {
          await give.mutateAsync({
            community,
            kind: 'time',
            toUserId: member.userId,
            amount: minutes,
            reason: reason.trim() || t('timebank.give.defaultReason'),
            idempotencyKey: crypto.randomUUID(),
          });
          setDone(t('timebank.give.done', { name: member.name, hours: hours(minutes) }));
          setReason('');
        } catch (e) {
          setError(errorMessage(e, lang, t('common.unknownError')));
        } finally {
          await qc.invalidateQueries({ queryKey: trpc.points.pathKey() });
        }
      },
    });
  };

  return (
    <div style={{ marginTop: 8 }}>
      <Link href="/app/me" style={{ fontSize: token.fontSize }}>
        <LeftOutlined /> {t('points.back')}
      </Link>
      <Card style={{ marginTop: 12, background: '#fff1f0', textAlign: 'center' }}>
        <div style={{ color: token.colorTextSecondary }}>{t('timebank.balance')}</div>
        <div style={{ fontSize: token.fontSize * 2.6, fontWeight: 700 }} data-testid="timebank-balance">
          {t('timebank.hours', { hours: hours(balance) })}
        </div>
        <Typography.Text type="secondary">{t('timebank.explain')}</Typography.Text>
      </Card>
      <Card title={t('timebank.give.title')} style={{ marginTop: 12 }} data-testid="timebank-give">
        {done ? (
          <Alert type="success" showIcon title={done} style={{ marginBottom: 12 }} data-testid="timebank-done" />
        ) : null}
        {error ? (
          <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="timebank-error" />
        ) : null}
        {(family.data ?? []).length === 0 ? (
          <Empty description={t('timebank.give.noFamily')} />
        ) : (
          <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
            <Select
              size="large"
              placeholder={t('timebank.give.to')}
              value={to}
              onChange={setTo}
              options={(family.data ?? []).map((m) => ({
                value: m.userId,
                label: `${m.name}（${lang === 'en' ? m.roleName.en : m.roleName.zh}）`,
              }))}
              data-testid="timebank-to"
            />
            <InputNumber
              size="large"
              min={0.5}
              max={hours(Math.max(balance, 30))}
              step={0.5}
              value={amount}
              onChange={setAmount}
              addonAfter={t('timebank.unit')}
              style={{ width: '100%' }}
              data-testid="timebank-amount"
            />
            <Input
              size="large"
              maxLength={100}
              placeholder={t('timebank.give.reason')}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
            <Button
              type="primary"
              size="large"
              block
              disabled={!member || minutes <= 0 || minutes > balance}
              onClick={ask}
              data-testid="timebank-submit"
            >
              {t('timebank.give.submit')}
            </Button>
          </div>
        )}
      </Card>
      <Card title={t('timebank.history')} style={{ marginTop: 12 }}>
        <LedgerHistory
          entries={mine.data.entries}
          empty={t('timebank.history.empty')}
          testId="timebank-history"
          format={hours}
        />
      </Card>
    </div>
  );
}

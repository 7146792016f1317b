'use client';

import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Col, Empty, List, Row, Select, Space, Statistic, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { SvgChart } from '@/components/apps/svg-chart';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

const severityColour: Record<string, string> = { low: 'default', normal: 'blue', high: 'orange', critical: 'red' };
const ZONE = 'Asia/Shanghai';

/**
 * 驾驶舱: a community of the official's jurisdiction at a glance — people and houses (counts only), today's traffic
 * through the gates, and the event feed, refreshed every two seconds.
 */
export function Cockpit({ regionId }: { regionId: string | null }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const regions = useQuery(trpc.tenancy.regions.queryOptions());
  // The communities under the official's region (all of them for a platform-wide role).
  const communities = useMemo(() => {
    const all = regions.data ?? [];
    const byId = new Map(all.map((r) => [r.id, r]));
    const under = (id: string | null): boolean => {
      if (!regionId) return true;
      for (let cur = id ? byId.get(id) : undefined; cur; cur = cur.parentId ? byId.get(cur.parentId) : undefined)
        if (cur.id === regionId) return true;
      return false;
    };
    return all.filter((r) => r.level === 'community' && under(r.id));
  }, [regions.data, regionId]);
  const [chosen, setChosen] = useState<string | null>(null);
  const community = chosen ?? communities.find((c) => c.code === 'demo')?.code ?? communities[0]?.code ?? null;
  // Today where the communities are: the en-CA format is YYYY-MM-DD.
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date());
  const on = !!community;
  const input = { community: community ?? '' };
  const stats = useQuery({ ...trpc.base.stats.queryOptions(input), enabled: on });
  const traffic = useQuery({
    ...trpc.access.stats.queryOptions({ ...input, day }),
    enabled: on,
    refetchInterval: 10_000,
  });
  const feed = useQuery({
    ...trpc.events.feed.queryOptions({ ...input, limit: 12 }),
    enabled: on,
    refetchInterval: 2000,
  });

  if (regions.data && communities.length === 0) return <Empty description={t('cockpit.noCommunity')} />;
  const error = stats.error ?? traffic.error ?? feed.error;
  const hourly = Array.from({ length: 24 }, (_, h) => ({
    key: String(h),
    label: String(h),
    value: (traffic.data?.hours ?? [])
      .filter((r) => r.hour === h && r.direction === 'in')
      .reduce((a, r) => a + r.count, 0),
  }));
  const when = (iso: string) =>
    new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', {
      timeZone: ZONE,
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="cockpit-board">
      <Space wrap>
        <Typography.Text>{t('cockpit.community')}</Typography.Text>
        <Select
          style={{ minWidth: 220 }}
          value={community ?? undefined}
          onChange={setChosen}
          options={communities.map((c) => ({ value: c.code, label: lang === 'en' && c.nameEn ? c.nameEn : c.name }))}
          data-testid="cockpit-community"
        />
      </Space>
      {error ? <Alert type="error" showIcon title={errorMessage(error, lang, t('common.networkError'))} /> : null}
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Card>
            <Statistic
              title={t('cockpit.people')}
              value={stats.data?.totals.people ?? '—'}
              data-testid="cockpit-people"
            />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('cockpit.houses')} value={stats.data?.totals.houses ?? '—'} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic
              title={t('cockpit.passesToday')}
              value={traffic.data ? traffic.data.totals.in + traffic.data.totals.out : '—'}
              data-testid="cockpit-passes"
            />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('cockpit.vehiclesInside')} value={traffic.data?.vehiclesInside ?? '—'} />
          </Card>
        </Col>
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Card
            title={t('cockpit.events')}
            extra={
              feed.data ? (
                <Space data-testid="cockpit-event-totals">
                  <Tag>{t('cockpit.events.today', { n: feed.data.totals.today })}</Tag>
                  <Tag color="blue">{t('cockpit.events.open', { n: feed.data.totals.open })}</Tag>
                  <Tag color={feed.data.totals.overdue ? 'red' : 'default'}>
                    {t('cockpit.events.overdue', { n: feed.data.totals.overdue })}
                  </Tag>
                </Space>
              ) : null
            }
          >
            <List
              data-testid="cockpit-feed"
              locale={{ emptyText: t('cockpit.events.none') }}
              dataSource={feed.data?.items ?? []}
              renderItem={(e) => (
                <List.Item data-testid="cockpit-feed-item" data-id={e.id}>
                  <Space wrap>
                    <Tag color={severityColour[e.severity]}>{t(`events.severity.${e.severity}` as MessageKey)}</Tag>
                    <Typography.Text strong>{e.title}</Typography.Text>
                    <Tag>{t(`events.state.${e.state}` as MessageKey)}</Tag>
                    {e.overdue ? <Tag color="red">{t('cockpit.events.late')}</Tag> : null}
                  </Space>
                  <Typography.Text type="secondary">{when(e.createdAt)}</Typography.Text>
                </List.Item>
              )}
            />
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card title={t('cockpit.traffic', { day })}>
            <SvgChart kind="bar" points={hourly} title={t('cockpit.traffic.hourly')} />
          </Card>
          <Card title={t('cockpit.ages')} style={{ marginTop: 16 }}>
            <SvgChart
              kind="bar"
              points={(stats.data?.ageBands ?? []).map((a) => ({
                key: a.key,
                label: a.key === 'unknown' ? t('cockpit.ages.unknown') : a.key,
                value: a.count,
              }))}
              title={t('cockpit.ages')}
            />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}

'use client';

import { Card, Col, Empty, Row, Statistic } from 'antd';
import { useLang } from '@/i18n/lang-provider';
import { useAppHost } from './app-context';
import { type PageOf, pick } from './app-types';
import { fieldValue } from './format-value';
import { PageError, PageLoading } from './page-state';
import { pointsOf, SvgChart } from './svg-chart';
import { useHandlerData } from './use-app';

/** A dashboard: stat cards and charts read from the object the source handler returns. */
export function DashboardPage({ page }: { page: PageOf<'dashboard'> }) {
  const host = useAppHost();
  const { lang } = useLang();
  const data = useHandlerData(host.community, host.app.pluginId, page.source.handler, {});
  if (data.isLoading) return <PageLoading />;
  if (data.error) return <PageError error={data.error} onRetry={() => data.refetch()} />;
  const cardSpan = host.compact ? 12 : 6;
  const chartSpan = host.compact ? 24 : 12;
  return (
    <div data-testid="app-dashboard">
      <Row gutter={[16, 16]}>
        {(page.cards ?? []).map((c) => {
          const v = fieldValue(data.data, c.field);
          return (
            <Col span={cardSpan} key={c.field}>
              <Card size="small" data-testid={`app-card-${c.field}`}>
                <Statistic
                  title={pick(c.title, lang)}
                  value={typeof v === 'number' || typeof v === 'string' ? v : '—'}
                  suffix={c.unit ? pick(c.unit, lang) : undefined}
                />
              </Card>
            </Col>
          );
        })}
        {(page.charts ?? []).map((c) => {
          const points = pointsOf(fieldValue(data.data, c.field));
          const title = pick(c.title, lang);
          return (
            <Col span={chartSpan} key={`${c.kind}-${c.field}`}>
              <Card size="small" title={title}>
                {points.length ? <SvgChart kind={c.kind} points={points} title={title} /> : <Empty />}
              </Card>
            </Col>
          );
        })}
      </Row>
    </div>
  );
}

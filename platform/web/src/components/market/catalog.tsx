'use client';

import { useQuery } from '@tanstack/react-query';
import { Card, Col, Empty, Input, Row, Select, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { AppIcon } from '../apps/app-icon';
import { pick } from '../apps/app-types';
import { PageError } from '../apps/page-state';
import { SCENARIOS, scenarioKey } from '../apps/scenarios';
import { AppDrawer } from './app-drawer';
import { RatingLine } from './app-reviews';

/** The shelf: search and scenario categories over the apps on it; a card opens the app's details and install. */
export function Catalog() {
  const trpc = useTRPC();
  const { lang } = useLang();
  const t = useT();
  const [q, setQ] = useState('');
  const [scenario, setScenario] = useState<string | undefined>();
  const [sort, setSort] = useState<'name' | 'rating'>('name');
  const [open, setOpen] = useState<string | null>(null);
  const apps = useQuery(trpc.market.browse.queryOptions({ q: q || undefined, scenario, sort, limit: 100 }));
  const scenarioName = (s: string) => {
    const key = scenarioKey(s);
    return key ? t(key) : s;
  };
  return (
    <div data-testid="market-catalog">
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder={t('market.search')}
          onSearch={setQ}
          style={{ width: 320 }}
          data-testid="market-search"
        />
        <Select
          allowClear
          placeholder={t('market.scenario.all')}
          value={scenario}
          onChange={setScenario}
          style={{ width: 180 }}
          options={SCENARIOS.map((s) => ({ value: s, label: scenarioName(s) }))}
        />
        <Select
          value={sort}
          onChange={setSort}
          style={{ width: 120 }}
          data-testid="market-sort"
          options={[
            { value: 'name', label: t('market.sort.name') },
            { value: 'rating', label: t('market.sort.rating') },
          ]}
        />
        <Typography.Text type="secondary">{t('market.total', { count: apps.data?.total ?? 0 })}</Typography.Text>
      </Space>
      {apps.error ? <PageError error={apps.error} onRetry={() => apps.refetch()} /> : null}
      {apps.data && apps.data.apps.length === 0 ? <Empty description={t('market.empty')} /> : null}
      <Row gutter={[16, 16]}>
        {(apps.data?.apps ?? []).map((a) => (
          <Col key={a.pluginId} xs={24} md={12} xl={8}>
            <Card hoverable onClick={() => setOpen(a.pluginId)} data-testid={`market-app-${a.pluginId}`}>
              <Card.Meta
                avatar={<AppIcon icon={a.icon} size={36} />}
                title={pick(a.name, lang)}
                description={
                  <>
                    <div>{pick(a.description, lang)}</div>
                    <RatingLine rating={a.rating} testId={`market-rating-${a.pluginId}`} />
                    <Space size={4} style={{ marginTop: 8 }}>
                      <Tag color="blue">{scenarioName(a.scenario)}</Tag>
                      <Tag>{t('market.version', { version: a.version })}</Tag>
                    </Space>
                    <div>
                      <Typography.Text type="secondary">
                        {t('market.by', { name: pick(a.publisher.name, lang) })}
                      </Typography.Text>
                    </div>
                  </>
                }
              />
            </Card>
          </Col>
        ))}
      </Row>
      {open ? <AppDrawer pluginId={open} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}

'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { Button, Checkbox, Descriptions, Divider, Drawer, Image, List, Select, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { useCommunityCode } from '@/lib/community';
import { useTRPC } from '@/lib/trpc';
import { pick } from '../apps/app-types';
import { PageError } from '../apps/page-state';
import { scenarioKey } from '../apps/scenarios';
import { AppReviews, RatingLine } from './app-reviews';
import { ReportView } from './report-view';
import { useMarketAction } from './use-market-action';

const kindColor = { service: 'blue', data: 'orange', host: 'red' } as const;

/** One app on the shelf: what it is, what it may do (in plain words), its review, and installing it. */
export function AppDrawer({ pluginId, onClose }: { pluginId: string; onClose(): void }) {
  const trpc = useTRPC();
  const { lang } = useLang();
  const t = useT();
  const own = useCommunityCode();
  const [communities, setCommunities] = useState<string[]>(own ? [own] : []);
  const [enable, setEnable] = useState(true);
  const detail = useQuery(trpc.market.app.queryOptions({ pluginId }));
  const action = useMarketAction();
  const install = useMutation(
    trpc.market.install.mutationOptions({
      onSuccess: (r) => action.onSuccess(t('market.install.ok', { count: r.communities })),
      onError: action.onError,
    }),
  );
  const d = detail.data;
  const scenario = d ? (scenarioKey(d.scenario) ? t(scenarioKey(d.scenario) as never) : d.scenario) : '';
  return (
    <Drawer open width={560} onClose={onClose} title={d ? pick(d.name, lang) : ''} data-testid="market-app-drawer">
      {detail.error ? <PageError error={detail.error} /> : null}
      {d ? (
        <>
          <Typography.Paragraph>{pick(d.description, lang)}</Typography.Paragraph>
          <RatingLine rating={d.rating} testId="market-rating-summary" />
          {d.screenshots.length ? (
            <>
              <Divider titlePlacement="start">{t('market.screenshots')}</Divider>
              <Image.PreviewGroup>
                <Space wrap align="start" data-testid="market-screenshots">
                  {d.screenshots.map((s) => (
                    <figure key={s.index} style={{ margin: 0 }}>
                      <Image
                        src={s.url}
                        height={160}
                        alt={s.caption ? pick(s.caption, lang) : `${pick(d.name, lang)} ${s.index + 1}`}
                        data-testid={`market-screenshot-${s.index}`}
                      />
                      {s.caption ? (
                        <figcaption>
                          <Typography.Text type="secondary">{pick(s.caption, lang)}</Typography.Text>
                        </figcaption>
                      ) : null}
                    </figure>
                  ))}
                </Space>
              </Image.PreviewGroup>
            </>
          ) : null}
          <Descriptions size="small" column={1}>
            <Descriptions.Item label={t('market.col.version')}>{d.version}</Descriptions.Item>
            <Descriptions.Item label={t('apps.admin.col.scenario')}>{scenario}</Descriptions.Item>
            <Descriptions.Item label={t('market.publisher')}>
              {pick(d.publisher.name, lang)} ({d.publisher.slug})
            </Descriptions.Item>
          </Descriptions>
          <Divider titlePlacement="start">{t('market.permissions')}</Divider>
          <List
            size="small"
            data-testid="market-permissions"
            locale={{ emptyText: t('market.permissions.none') }}
            dataSource={d.permissions}
            renderItem={(p) => (
              <List.Item>
                <Space>
                  <Tag color={kindColor[p.kind]}>{p.id}</Tag>
                  {pick(p.title, lang)}
                </Space>
              </List.Item>
            )}
          />
          <Divider titlePlacement="start">{t('market.pages')}</Divider>
          <Space wrap>
            {d.pages.map((p) => (
              <Tag key={p.id}>
                {pick(p.title, lang)} ·{' '}
                {t(p.audience === 'resident' ? 'market.audience.resident' : 'market.audience.operator')}
              </Tag>
            ))}
          </Space>
          {d.review ? (
            <>
              <Divider titlePlacement="start">{t('market.review.summary')}</Divider>
              <ReportView passed={d.review.passed} items={d.review.items} keyId={d.review.keyId} />
            </>
          ) : null}
          <Divider titlePlacement="start">{t('market.reviews')}</Divider>
          <AppReviews pluginId={pluginId} publisher={d.publisher.slug} />
          <Divider titlePlacement="start">{t('market.install')}</Divider>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Typography.Text>{t('market.install.communities')}</Typography.Text>
            <Select
              mode="tags"
              value={communities}
              onChange={setCommunities}
              style={{ width: '100%' }}
              data-testid="market-install-communities"
            />
            <Checkbox checked={enable} onChange={(e) => setEnable(e.target.checked)}>
              {t('market.install.enable')}
            </Checkbox>
            <Button
              type="primary"
              disabled={communities.length === 0}
              loading={install.isPending}
              data-testid="market-install"
              onClick={() => install.mutate({ pluginId, communities, enable })}
            >
              {t('market.install.confirm')}
            </Button>
          </Space>
        </>
      ) : null}
    </Drawer>
  );
}

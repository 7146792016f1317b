'use client';

import { Tabs } from 'antd';
import { PageHeading } from '@/components/page-heading';
import { EarningRulesAdmin } from '@/components/points/earning-rules-admin';
import { ShopAdmin } from '@/components/points/shop-admin';
import { WithCommunity } from '@/components/with-community';
import { useT } from '@/i18n/lang-provider';

/** 积分管理: the points shop and its service desk, and the earning rules. */
export default function ConsolePointsPage() {
  const t = useT();
  return (
    <>
      <PageHeading titleKey="nav.points" />
      <WithCommunity>
        {(community) => (
          <Tabs
            data-testid="points-tabs"
            items={[
              { key: 'shop', label: t('points.console.shop'), children: <ShopAdmin community={community} /> },
              { key: 'rules', label: t('points.console.rules'), children: <EarningRulesAdmin community={community} /> },
            ]}
          />
        )}
      </WithCommunity>
    </>
  );
}

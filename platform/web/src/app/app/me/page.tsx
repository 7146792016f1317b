'use client';

import { Descriptions, List } from 'antd';
import { VisitorsEntry } from '@/components/access/visitors-entry';
import { ContractsEntry } from '@/components/esign/contracts-entry';
import { EventsEntry } from '@/components/events/events-entry';
import { HouseholdEntry } from '@/components/household/household-entry';
import { InboxEntry } from '@/components/message/inbox-entry';
import { OrdersEntry } from '@/components/payment/orders-entry';
import { PointsEntry } from '@/components/points/points-entry';
import { TimeBankEntry } from '@/components/points/timebank-view';
import { useShell } from '@/components/shell/shell-context';
import { translateDynamic } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { useCommunityCode } from '@/lib/community';

export default function ResidentMe() {
  const { me } = useShell();
  const { lang } = useLang();
  const t = useT();
  const community = useCommunityCode();
  return (
    <div style={{ marginTop: 16 }}>
      <Descriptions
        column={1}
        bordered
        size="small"
        items={[{ key: 'name', label: t('me.displayName'), children: me.user.displayName }]}
      />
      {community ? <HouseholdEntry testId="me-household-link" /> : null}
      {community ? <PointsEntry community={community} testId="me-points-link" /> : null}
      {community ? <TimeBankEntry community={community} /> : null}
      {community ? <OrdersEntry testId="me-orders-link" /> : null}
      {community ? <EventsEntry testId="me-events-link" /> : null}
      {community ? <VisitorsEntry testId="me-visitors-link" /> : null}
      {community ? <InboxEntry /> : null}
      {community ? <ContractsEntry /> : null}
      <List
        style={{ marginTop: 16 }}
        header={t('me.roles')}
        bordered
        dataSource={me.roles}
        renderItem={(r) => (
          <List.Item>
            <List.Item.Meta
              title={translateDynamic(lang, 'role', r.role)}
              description={
                r.regionName
                  ? `${r.regionName}${r.regionLevel ? ` · ${translateDynamic(lang, 'level', r.regionLevel)}` : ''}`
                  : t('common.allRegions')
              }
            />
          </List.Item>
        )}
      />
    </div>
  );
}

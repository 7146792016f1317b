'use client';

import { Card, Descriptions } from 'antd';
import { Cockpit } from '@/components/cockpit/cockpit';
import { useShell } from '@/components/shell/shell-context';
import { translateDynamic } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { primaryRole } from '@/lib/shells';

export default function GovCockpit() {
  const { me, shell } = useShell();
  const { lang } = useLang();
  const t = useT();
  const role = primaryRole(me, shell);
  const level = role?.regionLevel ? translateDynamic(lang, 'level', role.regionLevel) : null;
  const jurisdiction = role?.regionName ? `${role.regionName}${level ? `（${level}）` : ''}` : t('common.allRegions');
  return (
    <Card title={t('shell.cockpit')} data-testid="cockpit">
      <Descriptions
        column={1}
        items={[
          {
            key: 'jurisdiction',
            label: t('gov.cockpit.jurisdiction'),
            children: <span data-testid="cockpit-jurisdiction">{jurisdiction}</span>,
          },
        ]}
      />
      <Cockpit regionId={role?.regionId ?? null} />
    </Card>
  );
}

'use client';

import { AppstoreOutlined } from '@ant-design/icons';
import { Button, Dropdown } from 'antd';
import { useRouter } from 'next/navigation';
import { useT } from '@/i18n/lang-provider';
import { isShell, shellTitleKey } from '@/lib/shells';
import { useShell } from './shell-context';

/** Users with several shells (e.g. a service provider: designer and market) move between them here. */
export function ShellSwitcher() {
  const { me, shell } = useShell();
  const t = useT();
  const router = useRouter();
  const others = me.shells.filter(isShell).filter((s) => s !== shell);
  if (others.length === 0) return null;
  return (
    <Dropdown
      menu={{
        items: others.map((s) => ({ key: s, label: t(shellTitleKey[s]) })),
        onClick: ({ key }) => router.push(`/${key}`),
      }}
    >
      <Button size="small" icon={<AppstoreOutlined />} data-testid="shell-switcher">
        {t('common.switchShell')}
      </Button>
    </Dropdown>
  );
}

'use client';

import { LogoutOutlined } from '@ant-design/icons';
import { Button, Space, Typography } from 'antd';
import { LanguageSwitch } from '@/components/language-switch';
import { translateDynamic } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { primaryRole } from '@/lib/shells';
import { useShell } from './shell-context';
import { useLogout } from './use-logout';

/** Who is signed in, in which role and where: shown in every shell header. */
export function UserBadge({ compact = false }: { compact?: boolean }) {
  const { me, shell } = useShell();
  const { lang } = useLang();
  const t = useT();
  const { logout, pending } = useLogout();
  const role = primaryRole(me, shell);
  return (
    <div
      style={{
        display: 'flex',
        flexWrap: 'wrap',
        alignItems: 'center',
        justifyContent: compact ? 'space-between' : 'flex-end',
        gap: compact ? 8 : 16,
      }}
    >
      <Space size={6} wrap>
        <Typography.Text strong data-testid="user-name">
          {me.user.displayName}
        </Typography.Text>
        <Typography.Text type="secondary" data-testid="user-role">
          {role ? translateDynamic(lang, 'role', role.role) : ''}
        </Typography.Text>
        <Typography.Text type="secondary" data-testid="user-community">
          {role?.regionName ?? t('common.allRegions')}
        </Typography.Text>
      </Space>
      <Space size={8}>
        <LanguageSwitch size="small" />
        <Button size="small" icon={<LogoutOutlined />} onClick={logout} loading={pending} data-testid="logout">
          {t('common.logout')}
        </Button>
      </Space>
    </div>
  );
}

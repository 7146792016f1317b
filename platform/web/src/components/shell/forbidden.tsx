'use client';

import { Button, Result, Space } from 'antd';
import { LanguageSwitch } from '@/components/language-switch';
import { useT } from '@/i18n/lang-provider';
import { firstShell, type Me, shellTitleKey } from '@/lib/shells';
import { useLogout } from './use-logout';

export function Forbidden({ me }: { me: Me }) {
  const t = useT();
  const { logout, pending } = useLogout();
  const own = firstShell(me);
  return (
    <div data-testid="forbidden" style={{ padding: '64px 16px' }}>
      <Result
        status="403"
        title="403"
        subTitle={
          <>
            <div style={{ fontSize: 18, marginBottom: 4 }}>{t('shell.forbidden.title')}</div>
            <div>{t('shell.forbidden.subtitle')}</div>
          </>
        }
        extra={
          <Space wrap>
            {own && (
              <Button type="primary" href={`/${own}`} data-testid="forbidden-own-shell">
                {t('shell.forbidden.goOwn', { shell: t(shellTitleKey[own]) })}
              </Button>
            )}
            <Button onClick={logout} loading={pending}>
              {t('common.logout')}
            </Button>
            <LanguageSwitch />
          </Space>
        }
      />
    </div>
  );
}

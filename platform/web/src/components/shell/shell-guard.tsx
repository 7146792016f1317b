'use client';

import { useQuery } from '@tanstack/react-query';
import { Button, Result, Spin } from 'antd';
import { usePathname, useRouter } from 'next/navigation';
import { type ReactNode, useEffect, useMemo } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorCode, errorMessage } from '@/lib/app-error';
import type { Shell } from '@/lib/shells';
import { useTRPC } from '@/lib/trpc';
import { Forbidden } from './forbidden';
import { ShellContext } from './shell-context';

function FullPageSpin() {
  return (
    <div style={{ minHeight: '100vh', display: 'grid', placeItems: 'center' }}>
      <Spin size="large" />
    </div>
  );
}

/** Loads the signed-in user and decides: render the shell, send to login, or refuse. */
export function ShellGuard({ shell, children }: { shell: Shell; children: ReactNode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const { lang } = useLang();
  const t = useT();
  const me = useQuery(trpc.auth.me.queryOptions());
  const code = me.error ? appErrorCode(me.error) : null;
  // An administrator who has not finished TOTP is not signed in yet either.
  const needsLogin = code === 'UNAUTHENTICATED' || code === 'MFA_REQUIRED';

  useEffect(() => {
    if (!needsLogin) return;
    const next = encodeURIComponent(pathname + window.location.search);
    router.replace(`/login?next=${next}${code === 'MFA_REQUIRED' ? '&step=totp' : ''}`);
  }, [needsLogin, code, pathname, router]);

  const value = useMemo(() => (me.data ? { me: me.data, shell } : null), [me.data, shell]);

  if (needsLogin) return <FullPageSpin />;
  if (value) {
    if (!value.me.shells.includes(shell)) return <Forbidden me={value.me} />;
    return <ShellContext.Provider value={value}>{children}</ShellContext.Provider>;
  }
  if (me.error) {
    return (
      <Result
        status="error"
        title={t('shell.error.title')}
        subTitle={errorMessage(me.error, lang, t('common.networkError'))}
        extra={<Button onClick={() => me.refetch()}>{t('common.retry')}</Button>}
      />
    );
  }
  return <FullPageSpin />;
}

'use client';

import { useQuery } from '@tanstack/react-query';
import { App, Button, Card, Divider, Tabs, Typography } from 'antd';
import { useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { LanguageSwitch } from '@/components/language-switch';
import { useT } from '@/i18n/lang-provider';
import { safeNext } from '@/lib/shells';
import { useTRPC } from '@/lib/trpc';
import { CodeForm } from './code-form';
import { LoginError } from './login-error';
import { PasswordForm } from './password-form';
import { TotpForm } from './totp-form';
import { useFinishLogin } from './use-finish-login';

export function LoginView() {
  const t = useT();
  const trpc = useTRPC();
  const params = useSearchParams();
  const next = safeNext(params.get('next'));
  const [step, setStep] = useState<'credentials' | 'totp'>(params.get('step') === 'totp' ? 'totp' : 'credentials');
  const [error, setError] = useState<unknown>(null);
  const finish = useFinishLogin(next);
  const providers = useQuery({ ...trpc.auth.providers.queryOptions(), retry: false });

  const afterFirstFactor = async (mfaRequired: boolean) => {
    if (mfaRequired) {
      setStep('totp');
      return;
    }
    await finish();
  };

  return (
    <App>
      <div
        style={{
          minHeight: '100vh',
          display: 'flex',
          flexDirection: 'column',
          alignItems: 'center',
          padding: '24px 16px',
        }}
      >
        <div style={{ alignSelf: 'flex-end' }}>
          <LanguageSwitch />
        </div>
        <Card style={{ width: '100%', maxWidth: 420, marginTop: '8vh' }} styles={{ body: { padding: 32 } }}>
          <Typography.Title level={2} style={{ marginTop: 0, marginBottom: 4 }} data-testid="login-title">
            {t('app.name')} · {t('login.title')}
          </Typography.Title>
          <Typography.Paragraph type="secondary">{t('login.subtitle')}</Typography.Paragraph>
          <LoginError error={error} />
          {step === 'totp' ? (
            <TotpForm onDone={finish} onError={setError} onBack={() => setStep('credentials')} />
          ) : (
            <Tabs
              onChange={() => setError(null)}
              items={[
                {
                  key: 'password',
                  label: t('login.tab.password'),
                  children: <PasswordForm onDone={afterFirstFactor} onError={setError} />,
                },
                {
                  key: 'code',
                  label: t('login.tab.code'),
                  children: <CodeForm onDone={afterFirstFactor} onError={setError} />,
                },
              ]}
            />
          )}
          {step === 'credentials' && providers.data?.oidc && (
            <>
              <Divider plain>{t('login.or')}</Divider>
              {/* A full navigation: the identity provider round trip must leave the SPA. */}
              <Button block size="large" href={`/api/auth/oidc/start?returnTo=${encodeURIComponent(next ?? '/app')}`}>
                {t('login.oidc')}
              </Button>
            </>
          )}
        </Card>
      </div>
    </App>
  );
}

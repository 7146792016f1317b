'use client';

import { Alert } from 'antd';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';

/** The server's message in the user's language; unknown failures get a generic line, never a stack. */
export function LoginError({ error }: { error: unknown }) {
  const { lang } = useLang();
  const t = useT();
  if (!error) return null;
  const text = error instanceof LoginNotice ? t(error.key) : errorMessage(error, lang, t('common.networkError'));
  return (
    <div data-testid="login-error" role="alert" style={{ marginBottom: 16 }}>
      <Alert type="error" showIcon title={text} />
    </div>
  );
}

/** A client-side outcome worth showing in the same place as server errors. */
export class LoginNotice {
  constructor(readonly key: 'login.noShell') {}
}

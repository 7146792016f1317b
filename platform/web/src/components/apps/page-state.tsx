'use client';

import { Alert, Button, Result, Spin } from 'antd';
import type { ReactNode } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';

/** While a page's data loads. */
export function PageLoading() {
  return (
    <div data-testid="app-loading" style={{ padding: '48px 0', textAlign: 'center' }}>
      <Spin size="large" />
    </div>
  );
}

/** A failed load: the platform's message in the user's language, and a way to try again. */
export function PageError({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: ReactNode }) {
  const { lang } = useLang();
  const t = useT();
  return (
    <Alert
      type="error"
      showIcon
      data-testid="app-error"
      title={title ?? errorMessage(error, lang, t('common.networkError'))}
      description={title ? errorMessage(error, lang, t('common.networkError')) : undefined}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('common.retry')}
          </Button>
        ) : undefined
      }
    />
  );
}

/** A whole page that cannot be shown (no such page, no record chosen). */
export function PageMissing({ text }: { text: string }) {
  return <Result status="warning" title={text} data-testid="app-page-missing" />;
}

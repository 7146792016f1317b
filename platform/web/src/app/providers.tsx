'use client';

import { App, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import type { ReactNode } from 'react';
import type { Lang } from '@/i18n/lang';
import { LangProvider, useLang } from '@/i18n/lang-provider';
import { QueryProvider } from '@/lib/query-provider';
import { baseTheme } from '@/lib/theme';

function LocalizedAntd({ children }: { children: ReactNode }) {
  const { lang } = useLang();
  return (
    <ConfigProvider locale={lang === 'en' ? enUS : zhCN} theme={baseTheme}>
      {/* App gives message/modal hooks the theme and locale of this provider. */}
      <App>{children}</App>
    </ConfigProvider>
  );
}

export function Providers({ initialLang, children }: { initialLang: Lang; children: ReactNode }) {
  return (
    <LangProvider initialLang={initialLang}>
      <LocalizedAntd>
        <QueryProvider>{children}</QueryProvider>
      </LocalizedAntd>
    </LangProvider>
  );
}

import { AntdRegistry } from '@ant-design/nextjs-registry';
import type { Metadata, Viewport } from 'next';
import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import 'antd/dist/reset.css';
import './globals.css';
import { DEFAULT_LANG, LANG_COOKIE, parseLang } from '@/i18n/lang';
import { Providers } from './providers';

export const metadata: Metadata = {
  title: '社区 · 未来社区数字化平台',
  description: 'Shequ — future community digital platform',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Reading the language cookie here renders the first paint in the user's language.
  const lang = parseLang((await cookies()).get(LANG_COOKIE)?.value) ?? DEFAULT_LANG;
  return (
    <html lang={lang} suppressHydrationWarning>
      <body>
        <AntdRegistry>
          <Providers initialLang={lang}>{children}</Providers>
        </AntdRegistry>
      </body>
    </html>
  );
}

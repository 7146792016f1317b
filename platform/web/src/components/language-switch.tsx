'use client';

import { Segmented } from 'antd';
import type { Lang } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';

const options: Array<{ label: string; value: Lang }> = [
  { label: '中文', value: 'zh-CN' },
  { label: 'English', value: 'en' },
];

export function LanguageSwitch({ size = 'middle' }: { size?: 'small' | 'middle' | 'large' }) {
  const { lang, setLang } = useLang();
  const t = useT();
  return (
    <span data-testid="lang-switch" title={t('lang.switch')}>
      <Segmented<Lang> size={size} options={options} value={lang} onChange={setLang} />
    </span>
  );
}

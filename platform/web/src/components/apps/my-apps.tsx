'use client';

import { useQuery } from '@tanstack/react-query';
import { Typography, theme } from 'antd';
import Link from 'next/link';
import { EmptyState } from '@/components/empty-state';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { AppIcon } from './app-icon';
import { pageHref, pick } from './app-types';
import { PageError, PageLoading } from './page-state';
import { byScenario, scenarioKey } from './scenarios';

/** The resident's "my apps": the community's enabled apps by scenario, each a big tile opening its home page. */
export function MyApps({ community }: { community: string }) {
  const trpc = useTRPC();
  const { lang } = useLang();
  const t = useT();
  const apps = useQuery(trpc.plugins.apps.queryOptions({ community, audience: 'resident' }));
  // Plain elements follow the shell's text size (large-text mode) through the theme token.
  const { token } = theme.useToken();

  const body = () => {
    if (apps.isLoading) return <PageLoading />;
    if (apps.error) return <PageError error={apps.error} onRetry={() => apps.refetch()} />;
    if (!apps.data?.length) return <EmptyState description={t('apps.mine.empty')} />;
    return byScenario(apps.data).map(([scenario, list]) => {
      const key = scenarioKey(scenario);
      return (
        <section key={scenario} data-testid={`scenario-${scenario}`} style={{ marginBottom: 20 }}>
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            {key ? t(key) : scenario}
          </Typography.Title>
          <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(128px, 1fr))', gap: 12 }}>
            {list.map((a) => (
              <Link
                key={a.pluginId}
                href={pageHref('resident', a.pluginId, a.home)}
                data-testid={`my-app-${a.pluginId}`}
                style={{
                  display: 'flex',
                  flexDirection: 'column',
                  alignItems: 'center',
                  gap: 8,
                  padding: '16px 8px',
                  minHeight: 96,
                  borderRadius: 12,
                  background: '#f5f8ff',
                  color: 'inherit',
                  textAlign: 'center',
                  textDecoration: 'none',
                }}
              >
                <AppIcon icon={a.icon} size={Math.round(token.fontSize * 1.8)} />
                <span style={{ fontWeight: 600, fontSize: token.fontSize }}>{pick(a.name, lang)}</span>
              </Link>
            ))}
          </div>
        </section>
      );
    });
  };

  return (
    <div data-testid="my-apps" style={{ marginTop: 16 }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('apps.mine')}
      </Typography.Title>
      {body()}
    </div>
  );
}

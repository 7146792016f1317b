'use client';

import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button, Tabs, Typography } from 'antd';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { AppHostContext, type AppHostValue } from './app-context';
import { AppIcon } from './app-icon';
import { type AppPage, type Audience, pageHref, pick, valueLabeller } from './app-types';
import { DashboardPage } from './dashboard-page';
import { DetailPage } from './detail-page';
import { FormPage } from './form-page';
import { ListPage } from './list-page';
import { PageError, PageLoading, PageMissing } from './page-state';
import { useAppDef } from './use-app';

function PageBody({ page, id }: { page: AppPage; id: string | null }) {
  switch (page.type) {
    case 'list':
      return <ListPage page={page} />;
    case 'detail':
      return <DetailPage page={page} id={id} />;
    case 'form':
      return <FormPage page={page} id={id} />;
    case 'dashboard':
      return <DashboardPage page={page} />;
  }
}

/**
 * Renders one page of an installed app from its page JSON, for residents (phone layout) or staff (desktop).
 * Apps ship no browser code: everything here is driven by the manifest's pages and the app's handlers.
 */
export function AppHost(props: { community: string; audience: Audience; pluginId: string; pageId?: string }) {
  const { community, audience, pluginId } = props;
  const { lang } = useLang();
  const t = useT();
  const router = useRouter();
  const id = useSearchParams().get('id');
  const def = useAppDef(community, pluginId, audience);
  const app = def.data;

  const host = useMemo<AppHostValue | null>(
    () =>
      app
        ? {
            community,
            audience,
            app,
            compact: audience === 'resident',
            go: (pageId, recordId) => router.push(pageHref(audience, pluginId, pageId, recordId)),
            label: valueLabeller(app, lang),
          }
        : null,
    [app, community, audience, pluginId, router, lang],
  );

  if (def.isLoading) return <PageLoading />;
  if (def.error || !app || !host) {
    return <PageError error={def.error} title={t('apps.loadError')} onRetry={() => def.refetch()} />;
  }
  const entries = Object.entries(app.pages);
  const menu = entries.filter(([, p]) => p.menu);
  const pageId = props.pageId ?? menu[0]?.[0] ?? entries[0]?.[0];
  const page = pageId ? app.pages[pageId] : undefined;
  const inMenu = menu.some(([k]) => k === pageId);

  return (
    <AppHostContext.Provider value={host}>
      <div data-testid="app-host" data-plugin={pluginId} style={{ marginTop: 16 }}>
        <div style={{ display: 'flex', alignItems: 'center', gap: 12, marginBottom: 8 }}>
          <AppIcon icon={app.icon} />
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="app-name">
            {pick(app.name, lang)}
          </Typography.Title>
        </div>
        {menu.length > 1 ? (
          <Tabs
            data-testid="app-menu"
            activeKey={inMenu ? pageId : undefined}
            onChange={(key) => host.go(key)}
            items={menu.map(([key, p]) => ({ key, label: pick(p.title, lang) }))}
          />
        ) : null}
        {!inMenu ? (
          <Button
            type="link"
            icon={<ArrowLeftOutlined />}
            onClick={() => router.back()}
            style={{ paddingLeft: 0 }}
            data-testid="app-back"
          >
            {t('apps.back')}
          </Button>
        ) : null}
        {page ? (
          <>
            <Typography.Title level={5} data-testid="app-page-title" style={{ marginTop: 8 }}>
              {pick(page.title, lang)}
            </Typography.Title>
            <PageBody key={`${pageId}:${id ?? ''}`} page={page} id={id} />
          </>
        ) : (
          <PageMissing text={entries.length ? t('apps.pageMissing') : t('apps.noPages')} />
        )}
      </div>
    </AppHostContext.Provider>
  );
}

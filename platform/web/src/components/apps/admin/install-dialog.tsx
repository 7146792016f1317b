'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Checkbox, Modal, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { type PackageInfo, pick } from '../app-types';
import { SettingsForm } from './settings-form';

const kindKey = { service: 'apps.perm.service', data: 'apps.perm.data', host: 'apps.perm.host' } as const;

/** The grants an operator ticked, in the shape install takes (services by action, data scopes, hosts). */
function grantsOf(pkg: PackageInfo, ticked: Set<string>) {
  const m = pkg.manifest;
  const services: Record<string, string[]> = {};
  for (const [svc, actions] of Object.entries(m.permissions?.services ?? {})) {
    const granted = actions.filter((a) => ticked.has(`service:${svc}.${a}`));
    if (granted.length) services[svc] = granted;
  }
  return {
    services,
    data: (m.permissions?.data ?? []).filter((d) => ticked.has(`data:${d}`)),
    hosts: (m.http?.hosts ?? []).filter((h) => ticked.has(`host:${h}`)),
  };
}

/** Installs a package: its permissions in plain words, each granted by a tick (all ticked to start). */
export function InstallDialog(props: { community: string; pkg: PackageInfo; onClose(): void }) {
  const { community, pkg, onClose } = props;
  const { lang } = useLang();
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const all = pkg.permissionList.map((p) => `${p.kind}:${p.id}`);
  const [ticked, setTicked] = useState(() => new Set(all));
  const [enable, setEnable] = useState(true);
  const [settings, setSettings] = useState<Record<string, unknown>>({});
  const settingsSchema = (pkg.manifest as { settings?: unknown }).settings;
  const name = pick(pkg.manifest.name, lang);

  const install = useMutation(
    trpc.plugins.install.mutationOptions({
      onSuccess: async () => {
        message.success(t('apps.admin.install.done', { name }));
        onClose();
        await queryClient.invalidateQueries({ queryKey: trpc.plugins.pathKey() });
      },
    }),
  );

  const toggle = (key: string, on: boolean) => {
    const next = new Set(ticked);
    if (on) next.add(key);
    else next.delete(key);
    setTicked(next);
  };

  return (
    <Modal
      open
      title={t('apps.admin.install.title', { name })}
      okText={t('apps.admin.install.ok')}
      cancelText={t('common.cancel')}
      onCancel={onClose}
      confirmLoading={install.isPending}
      okButtonProps={{ 'data-testid': 'install-confirm' }}
      onOk={() =>
        install.mutate({
          community,
          pluginId: pkg.pluginId,
          version: pkg.version,
          grants: grantsOf(pkg, ticked),
          enable,
          ...(settingsSchema ? { settings } : {}),
        })
      }
    >
      <div data-testid="install-dialog">
        {install.error ? (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 12 }}
            title={errorMessage(install.error, lang, t('common.unknownError'))}
            data-testid="install-error"
          />
        ) : null}
        <Typography.Paragraph type="secondary">{pick(pkg.manifest.description, lang)}</Typography.Paragraph>
        {pkg.permissionList.length ? (
          <>
            <Typography.Paragraph>{t('apps.admin.install.hint')}</Typography.Paragraph>
            <div style={{ display: 'flex', flexDirection: 'column', gap: 8, marginBottom: 16 }}>
              {pkg.permissionList.map((p) => {
                const key = `${p.kind}:${p.id}`;
                return (
                  <Checkbox
                    key={key}
                    checked={ticked.has(key)}
                    onChange={(e) => toggle(key, e.target.checked)}
                    data-testid={`grant-${p.id}`}
                  >
                    <Tag>{t(kindKey[p.kind])}</Tag>
                    {pick(p.title, lang)}
                  </Checkbox>
                );
              })}
            </div>
          </>
        ) : (
          <Typography.Paragraph>{t('apps.admin.install.none')}</Typography.Paragraph>
        )}
        {settingsSchema ? (
          <>
            <Typography.Paragraph strong>{t('apps.admin.settings.install')}</Typography.Paragraph>
            <SettingsForm
              schema={settingsSchema}
              value={settings}
              onChange={setSettings}
              fieldErrors={appErrorData(install.error)?.fieldErrors}
              disabled={install.isPending}
            />
          </>
        ) : null}
        <Checkbox checked={enable} onChange={(e) => setEnable(e.target.checked)} data-testid="install-enable">
          {t('apps.admin.install.enable')}
        </Checkbox>
      </div>
    </Modal>
  );
}

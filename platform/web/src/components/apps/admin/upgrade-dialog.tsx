'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Checkbox, Modal, Spin, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { type Installed, pick } from '../app-types';

const kindKey = { service: 'apps.perm.service', data: 'apps.perm.data', host: 'apps.perm.host' } as const;

/**
 * 升级: tries the upgrade first (a dry run that changes nothing: records checked and migrated, failures), then asks
 * for the new version's new permissions one tick each, and upgrades with the ticked ones granted.
 */
export function UpgradeDialog(props: { community: string; app: Installed; onClose(): void }) {
  const { community, app, onClose } = props;
  const { lang } = useLang();
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const name = pick(app.name, lang);
  const to = app.latestVersion;
  const packages = useQuery(trpc.plugins.packages.queryOptions());
  const titles = new Map(
    (packages.data?.find((p) => p.pluginId === app.pluginId && p.version === to)?.permissionList ?? []).map((p) => [
      p.id,
      p,
    ]),
  );
  const dry = useMutation(trpc.plugins.upgrade.mutationOptions());
  const run = useMutation(
    trpc.plugins.upgrade.mutationOptions({
      onSuccess: async () => {
        message.success(t('apps.admin.upgrade.done', { name, version: to }));
        onClose();
        await queryClient.invalidateQueries({ queryKey: trpc.plugins.pathKey() });
      },
    }),
  );
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const { mutate: tryIt } = dry;
  useEffect(() => {
    tryIt(
      { community, pluginId: app.pluginId, version: to, dryRun: true },
      { onSuccess: (r) => setTicked(new Set(r.escalation)) },
    );
  }, [tryIt, community, app.pluginId, to]);
  const report = dry.data;
  const blocked = !report || report.failures.length > 0;

  return (
    <Modal
      open
      title={t('apps.admin.upgrade.title', { name, from: app.version, to })}
      okText={t('apps.admin.upgrade.ok')}
      cancelText={t('common.cancel')}
      onCancel={onClose}
      confirmLoading={run.isPending}
      okButtonProps={{ disabled: blocked, 'data-testid': 'upgrade-confirm' } as { disabled: boolean }}
      onOk={() =>
        run.mutate({
          community,
          pluginId: app.pluginId,
          version: to,
          grantNew: (report?.escalation ?? []).filter((p) => ticked.has(p)),
        })
      }
    >
      <div data-testid="upgrade-dialog">
        {dry.error || run.error ? (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 12 }}
            title={errorMessage(run.error ?? dry.error, lang, t('common.unknownError'))}
            data-testid="upgrade-error"
          />
        ) : null}
        {!report && !dry.error ? (
          <Spin>
            <Typography.Paragraph>{t('apps.admin.upgrade.checking')}</Typography.Paragraph>
          </Spin>
        ) : null}
        {report ? (
          <>
            <Typography.Paragraph data-testid="upgrade-report">
              {t('apps.admin.upgrade.report', { checked: report.checked, migrated: report.migrated })}
            </Typography.Paragraph>
            {report.failures.length ? (
              <Alert
                type="warning"
                showIcon
                style={{ marginBottom: 12 }}
                title={t('apps.admin.upgrade.failures', { count: report.failures.length })}
                description={report.failures
                  .slice(0, 10)
                  .map((f) => `${f.collection}/${f.id}: ${f.error}`)
                  .join('\n')}
              />
            ) : null}
            {report.escalation.length ? (
              <>
                <Typography.Paragraph>{t('apps.admin.upgrade.escalation')}</Typography.Paragraph>
                <div style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
                  {report.escalation.map((id) => {
                    const p = titles.get(id);
                    return (
                      <Checkbox
                        key={id}
                        checked={ticked.has(id)}
                        onChange={(e) => {
                          const next = new Set(ticked);
                          if (e.target.checked) next.add(id);
                          else next.delete(id);
                          setTicked(next);
                        }}
                        data-testid={`upgrade-grant-${id}`}
                      >
                        {p ? <Tag>{t(kindKey[p.kind])}</Tag> : null}
                        {p ? pick(p.title, lang) : id}
                      </Checkbox>
                    );
                  })}
                </div>
              </>
            ) : (
              <Typography.Paragraph type="secondary">{t('apps.admin.upgrade.noEscalation')}</Typography.Paragraph>
            )}
          </>
        ) : null}
      </div>
    </Modal>
  );
}

'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Modal } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { type Installed, pick } from '../app-types';
import { SettingsForm } from './settings-form';

/** 设置: an installed app's settings, from its settings schema; the server checks them before saving. */
export function SettingsDialog(props: { community: string; app: Installed; onClose(): void }) {
  const { community, app, onClose } = props;
  const { lang } = useLang();
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const [value, setValue] = useState<Record<string, unknown>>(() => ({ ...(app.settings as Record<string, unknown>) }));
  const name = pick(app.name, lang);
  const save = useMutation(
    trpc.plugins.settings.mutationOptions({
      onSuccess: async () => {
        message.success(t('apps.admin.settings.saved', { name }));
        onClose();
        await queryClient.invalidateQueries({ queryKey: trpc.plugins.pathKey() });
      },
    }),
  );
  return (
    <Modal
      open
      title={t('apps.admin.settings.title', { name })}
      okText={t('apps.admin.settings.save')}
      cancelText={t('common.cancel')}
      onCancel={onClose}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'settings-save' } as Record<string, string>}
      onOk={() => save.mutate({ community, pluginId: app.pluginId, settings: value })}
    >
      <div data-testid="settings-dialog">
        {save.error ? (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 12 }}
            title={errorMessage(save.error, lang, t('common.unknownError'))}
            data-testid="settings-error"
          />
        ) : null}
        <SettingsForm
          schema={app.settingsSchema}
          value={value}
          onChange={setValue}
          fieldErrors={appErrorData(save.error)?.fieldErrors}
          disabled={save.isPending}
        />
      </div>
    </Modal>
  );
}

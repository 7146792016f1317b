'use client';

import { App, Button } from 'antd';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useAppHost } from './app-context';
import { type PageAction, pick } from './app-types';
import { useInvoke } from './use-app';

/** Runs a page action: opens its page, or calls its handler (after the confirm text, when it has one). */
export function useRunAction() {
  const host = useAppHost();
  const { lang } = useLang();
  const t = useT();
  const { message, modal } = App.useApp();
  const invoke = useInvoke(host.community, host.app.pluginId);

  const exec = async (action: PageAction, input: { id?: string }) => {
    if (!action.handler) {
      if (action.page) host.go(action.page, input.id);
      return;
    }
    try {
      await invoke.mutateAsync({
        community: host.community,
        pluginId: host.app.pluginId,
        handler: action.handler,
        input,
      });
      message.success(t('apps.done'));
      if (action.page) host.go(action.page, input.id);
    } catch (error) {
      message.error(errorMessage(error, lang, t('common.unknownError')));
    }
  };

  const run = (action: PageAction, input: { id?: string } = {}) => {
    if (!action.confirm) return void exec(action, input);
    modal.confirm({
      title: pick(action.confirm, lang),
      okText: t('apps.confirm.ok'),
      cancelText: t('apps.confirm.cancel'),
      okButtonProps: { danger: action.danger, 'data-testid': 'app-confirm-ok' },
      onOk: () => exec(action, input),
    });
  };

  return { run, pending: invoke.isPending };
}

/** A row of action buttons; on a phone they fill the width for a big touch target. */
export function ActionBar({ actions, input }: { actions: PageAction[]; input?: { id?: string } }) {
  const { compact } = useAppHost();
  const { lang } = useLang();
  const { run, pending } = useRunAction();
  if (actions.length === 0) return null;
  return (
    <div
      style={{ display: 'flex', flexDirection: compact ? 'column' : 'row', flexWrap: 'wrap', gap: compact ? 12 : 8 }}
    >
      {actions.map((a) => (
        <Button
          key={a.id}
          type={a.danger ? 'default' : 'primary'}
          danger={a.danger}
          block={compact}
          size={compact ? 'large' : 'middle'}
          disabled={pending}
          data-testid={`app-action-${a.id}`}
          onClick={(e) => {
            e.stopPropagation();
            run(a, input);
          }}
        >
          {pick(a.title, lang)}
        </Button>
      ))}
    </div>
  );
}

'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useRef, useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { EntryUndertakingModal } from './entry-undertaking-modal';

type Action = () => void;

/** True when the server refused an entry because the undertaking is missing (e.g. a new version). */
export function isUndertakingMissing(error: unknown): boolean {
  const data = appErrorData(error);
  return data?.appCode === 'FORBIDDEN' && data.messageZh.includes('数据保密承诺');
}

/**
 * Data-entry governance: `guard(action)` runs the action at once when the signed-in person accepted the current
 * confidentiality undertaking, otherwise shows it first and runs the action only after they accept. Cancelling
 * drops the action, so nothing is sent. Render `modal` somewhere in the calling component.
 */
export function useEntryGuard(): { guard(action: Action): void; modal: ReactNode; recheck(): void } {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const statusOptions = trpc.base.entry.status.queryOptions();
  const status = useQuery(statusOptions);
  const pendingAction = useRef<Action | null>(null);
  const [open, setOpen] = useState(false);

  const acknowledge = useMutation(
    trpc.base.entry.acknowledge.mutationOptions({
      onSuccess: async () => {
        queryClient.setQueryData(statusOptions.queryKey, (old) => (old ? { ...old, acknowledged: true } : old));
        setOpen(false);
        const action = pendingAction.current;
        pendingAction.current = null;
        action?.();
        await queryClient.invalidateQueries({ queryKey: statusOptions.queryKey });
      },
    }),
  );

  const guard = async (action: Action) => {
    const known = status.data ?? (await queryClient.fetchQuery(statusOptions).catch(() => null));
    // If the status cannot be read, let the server decide: it refuses an entry without the undertaking.
    if (!known || known.acknowledged) {
      action();
      return;
    }
    pendingAction.current = action;
    acknowledge.reset();
    setOpen(true);
  };

  const recheck = () => {
    void queryClient.invalidateQueries({ queryKey: statusOptions.queryKey });
  };

  const modal = (
    <EntryUndertakingModal
      open={open}
      text={status.data?.text}
      version={status.data?.version}
      pending={acknowledge.isPending}
      error={acknowledge.error ? errorMessage(acknowledge.error, lang, t('common.unknownError')) : null}
      onAccept={() => acknowledge.mutate()}
      onCancel={() => {
        pendingAction.current = null;
        setOpen(false);
      }}
    />
  );

  return { guard: (action) => void guard(action), modal, recheck };
}

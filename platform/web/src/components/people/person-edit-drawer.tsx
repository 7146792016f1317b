'use client';

import Form from '@rjsf/antd';
import type { ErrorSchema } from '@rjsf/utils';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Alert, App, Button, Descriptions, Drawer } from 'antd';
import { type ComponentProps, useMemo, useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorCode, appErrorData, errorMessage } from '@/lib/app-error';
import { enumLabel } from '@/lib/person-schema';
import { useTRPC } from '@/lib/trpc';
import { isUndertakingMissing } from '../entry/use-entry-guard';
import { editPatch, editSchema, editUiSchema, initialEditData } from './person-edit-schema';
import { type PersonData, toErrorSchema, validators } from './person-form-shared';
import { PEOPLE_LIST_KEY } from './use-people';

type Person = inferOutput<ReturnType<typeof useTRPC>['base']['people']['get']>;

/** The rjsf form element, marked for tests; React 19 passes the form's ref through as a prop. */
function PersonEditFormTag(props: ComponentProps<'form'>) {
  return <form {...props} data-testid="person-edit-form" />;
}

type Props = {
  community: string;
  person: Person;
  open: boolean;
  onClose(): void;
  /** Runs the save behind the confidentiality undertaking. */
  guard(action: () => void): void;
  onUndertakingMissing(): void;
};

/** Edits a person in place: only changed fields are sent, with the version the operator saw. */
export function PersonEditDrawer(props: Props) {
  const t = useT();
  const { lang } = useLang();
  const p = props.person;
  return (
    <Drawer title={t('people.edit.title')} open={props.open} onClose={props.onClose} size={560} destroyOnHidden>
      <Descriptions column={1} size="small" bordered style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t('people.col.idType')}>{enumLabel('idType', p.idType, lang)}</Descriptions.Item>
        <Descriptions.Item label={t('people.field.idNumber')}>
          <code data-testid="person-edit-idNumber">{p.idNumber}</code>
        </Descriptions.Item>
      </Descriptions>
      {/* A new version (after 刷新) starts the form over from what is now on record. */}
      {props.open ? <EditForm key={p.version} {...props} /> : null}
    </Drawer>
  );
}

function EditForm({ community, person, onClose, guard, onUndertakingMissing }: Props) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const initial = useMemo(() => initialEditData(person), [person]);
  const [formData, setFormData] = useState<PersonData>(initial);
  const [extraErrors, setExtraErrors] = useState<ErrorSchema<PersonData> | undefined>();
  const [formError, setFormError] = useState<{ text: string; conflict: boolean } | null>(null);
  const uiSchema = useMemo(
    () =>
      editUiSchema({
        save: t('common.save'),
        keep: t('people.edit.keep'),
        yes: t('people.edit.yes'),
        no: t('people.edit.no'),
        maskedPhone: person.phone,
      }),
    [t, person.phone],
  );
  const refreshAll = () => queryClient.invalidateQueries({ queryKey: trpc.base.people.pathKey() });

  const update = useMutation(
    trpc.base.people.update.mutationOptions({
      onSuccess: async () => {
        message.success(t('people.form.saved'));
        onClose();
        await Promise.all([queryClient.invalidateQueries({ queryKey: [PEOPLE_LIST_KEY] }), refreshAll()]);
      },
      onError: (error) => {
        if (isUndertakingMissing(error)) onUndertakingMissing();
        const fields = appErrorData(error)?.fieldErrors;
        if (fields && Object.keys(fields).length) setExtraErrors(toErrorSchema(fields, lang));
        // A stale version: the operator reloads the record (the form starts over) and edits again.
        const conflict = appErrorCode(error) === 'CONFLICT';
        setFormError({ text: errorMessage(error, lang, t('common.unknownError')), conflict });
      },
    }),
  );

  const submit = (data: PersonData) => {
    setExtraErrors(undefined);
    setFormError(null);
    const patch = editPatch(initial, data);
    if (Object.keys(patch).length === 0) {
      message.info(t('people.edit.nothing'));
      onClose();
      return;
    }
    guard(() => update.mutate({ community, id: person.id, version: person.version, patch }));
  };

  return (
    <>
      {formError ? (
        <Alert
          type="error"
          showIcon
          title={formError.text}
          style={{ marginBottom: 16 }}
          data-testid="person-edit-error"
          action={
            formError.conflict ? (
              <Button size="small" onClick={() => void refreshAll()} data-testid="person-edit-refresh">
                {t('common.refresh')}
              </Button>
            ) : undefined
          }
        />
      ) : null}
      <Form
        tagName={PersonEditFormTag}
        schema={editSchema}
        uiSchema={uiSchema}
        validator={validators[lang]}
        formData={formData}
        onChange={(e) => setFormData(e.formData ?? {})}
        extraErrors={extraErrors}
        noHtml5Validate
        showErrorList={false}
        disabled={update.isPending}
        onSubmit={(e) => submit(e.formData ?? {})}
      />
    </>
  );
}

'use client';

import Form from '@rjsf/antd';
import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Drawer } from 'antd';
import { type ComponentProps, useMemo, useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { personSchema, personUiSchema } from '@/lib/person-schema';
import { useTRPC } from '@/lib/trpc';
import { isUndertakingMissing } from '../entry/use-entry-guard';
import { type PersonData, toErrorSchema, validators } from './person-form-shared';
import { PEOPLE_LIST_KEY } from './use-people';

// A community operator mostly registers residents with a mainland ID card.
const initialData: PersonData = { idType: 'id_card', category: 'resident' };

/** The rjsf form element, marked for tests; React 19 passes the form's ref through as a prop. */
function PersonFormTag(props: ComponentProps<'form'>) {
  return <form {...props} data-testid="person-form" />;
}

export function PersonFormDrawer(props: {
  community: string;
  open: boolean;
  onClose(): void;
  onUndertakingMissing?(): void;
}) {
  const { community, open, onClose } = props;
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const [formData, setFormData] = useState<PersonData>(initialData);
  const [extraErrors, setExtraErrors] = useState<ErrorSchema<PersonData> | undefined>();
  const [formError, setFormError] = useState<string | null>(null);
  const uiSchema = useMemo(() => personUiSchema(t('common.save')), [t]);

  const create = useMutation(
    trpc.base.people.create.mutationOptions({
      onSuccess: async () => {
        message.success(t('people.form.saved'));
        setFormData(initialData);
        onClose();
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: [PEOPLE_LIST_KEY] }),
          queryClient.invalidateQueries({ queryKey: trpc.base.people.pathKey() }),
        ]);
      },
      onError: (error) => {
        if (isUndertakingMissing(error)) props.onUndertakingMissing?.();
        const fields = appErrorData(error)?.fieldErrors;
        if (fields && Object.keys(fields).length) setExtraErrors(toErrorSchema(fields, lang));
        setFormError(errorMessage(error, lang, t('common.unknownError')));
      },
    }),
  );

  return (
    <Drawer title={t('people.add')} open={open} onClose={onClose} size={560} destroyOnHidden>
      {formError ? (
        <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="person-form-error" />
      ) : null}
      <Form
        tagName={PersonFormTag}
        schema={personSchema as RJSFSchema}
        uiSchema={uiSchema}
        validator={validators[lang]}
        formData={formData}
        onChange={(e) => setFormData(e.formData ?? {})}
        extraErrors={extraErrors}
        noHtml5Validate
        showErrorList={false}
        disabled={create.isPending}
        onSubmit={(e) => {
          setExtraErrors(undefined);
          setFormError(null);
          create.mutate({ community, person: e.formData ?? {} });
        }}
      />
    </Drawer>
  );
}

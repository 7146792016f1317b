'use client';

import Form from '@rjsf/antd';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import { Alert, App } from 'antd';
import { type ComponentProps, useMemo, useState } from 'react';
import { type PersonData, toErrorSchema, validators } from '@/components/people/person-form-shared';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useAppHost } from './app-context';
import { type PageOf, pick } from './app-types';
import { recordId } from './format-value';
import { rjsfStrings } from './rjsf-zh';
import { useInvoke } from './use-app';

type Data = PersonData;

/** The rjsf form element, marked for tests. */
function AppFormTag(props: ComponentProps<'form'>) {
  return <form {...props} data-testid="app-form" />;
}

/** The app's JSON Schema without `$schema`: rjsf's validator speaks draft-07, which forms need no more than. */
function formSchema(schema: unknown): RJSFSchema {
  const { $schema: _ignored, ...rest } = (schema ?? {}) as Record<string, unknown>;
  return rest as RJSFSchema;
}

/** A form page: the app's JSON Schema and uiSchema through rjsf; the server's field errors land under the fields. */
export function FormPage({ page, id }: { page: PageOf<'form'>; id: string | null }) {
  const host = useAppHost();
  const { lang } = useLang();
  const t = useT();
  const { message } = App.useApp();
  const invoke = useInvoke(host.community, host.app.pluginId);
  const [formData, setFormData] = useState<Data>({});
  const [extraErrors, setExtraErrors] = useState<ErrorSchema<Data> | undefined>();
  const [formError, setFormError] = useState<string | null>(null);
  const schema = useMemo(() => formSchema(page.schema), [page.schema]);
  const submitText = page.submit.label ? pick(page.submit.label, lang) : t('apps.submit');
  const uiSchema = useMemo<UiSchema>(
    () => ({
      ...(page.uiSchema ?? {}),
      'ui:submitButtonOptions': {
        submitText,
        props: { type: 'primary', size: 'large', block: host.compact, 'data-testid': 'app-form-submit' },
      },
    }),
    [page.uiSchema, submitText, host.compact],
  );

  const submit = async (data: Data) => {
    setExtraErrors(undefined);
    setFormError(null);
    try {
      const result = await invoke.mutateAsync({
        community: host.community,
        pluginId: host.app.pluginId,
        handler: page.submit.handler,
        // A form opened from a record (`?id=`, e.g. "comment on this post") tells the handler which one.
        input: id && data.id === undefined ? { ...data, id } : data,
      });
      message.success(t('apps.submitted'));
      setFormData({});
      const next = page.submit.next;
      // A new record goes straight to its detail page when that is where the form leads.
      if (next) host.go(next, host.app.pages[next]?.type === 'detail' ? recordId(result) : undefined);
    } catch (error) {
      const fields = appErrorData(error)?.fieldErrors;
      if (fields && Object.keys(fields).length) setExtraErrors(toErrorSchema(fields, lang));
      setFormError(errorMessage(error, lang, t('common.unknownError')));
    }
  };

  return (
    <div data-testid="app-form-page">
      {formError ? (
        <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="app-form-error" />
      ) : null}
      <Form
        tagName={AppFormTag}
        schema={schema}
        uiSchema={uiSchema}
        validator={validators[lang]}
        translateString={rjsfStrings(lang)}
        formData={formData}
        onChange={(e) => setFormData(e.formData ?? {})}
        extraErrors={extraErrors}
        noHtml5Validate
        showErrorList={false}
        disabled={invoke.isPending}
        onSubmit={(e) => void submit(e.formData ?? {})}
      />
    </div>
  );
}

'use client';

import Form from '@rjsf/antd';
import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import { useMemo } from 'react';
import { type PersonData, toErrorSchema, validators } from '@/components/people/person-form-shared';
import { useLang } from '@/i18n/lang-provider';
import { rjsfStrings } from '../rjsf-zh';

type Data = PersonData;

/** The settings form of an app: its settings JSON Schema through rjsf, without a submit button (the dialog has one). */
export function SettingsForm(props: {
  schema: unknown;
  value: Record<string, unknown>;
  onChange(value: Record<string, unknown>): void;
  /** Field errors from the server, by field path. */
  fieldErrors?: Record<string, string[]>;
  disabled?: boolean;
}) {
  const { lang } = useLang();
  const schema = useMemo(() => {
    const { $schema: _ignored, ...rest } = (props.schema ?? {}) as Record<string, unknown>;
    return rest as RJSFSchema;
  }, [props.schema]);
  const extraErrors = useMemo<ErrorSchema<Data> | undefined>(
    () =>
      props.fieldErrors && Object.keys(props.fieldErrors).length ? toErrorSchema(props.fieldErrors, lang) : undefined,
    [props.fieldErrors, lang],
  );
  return (
    <div data-testid="app-settings-form">
      <Form
        schema={schema}
        uiSchema={{ 'ui:submitButtonOptions': { norender: true } }}
        validator={validators[lang]}
        translateString={rjsfStrings(lang)}
        formData={props.value as Data}
        onChange={(e) => props.onChange((e.formData ?? {}) as Record<string, unknown>)}
        extraErrors={extraErrors}
        noHtml5Validate
        showErrorList={false}
        disabled={props.disabled}
      />
    </div>
  );
}

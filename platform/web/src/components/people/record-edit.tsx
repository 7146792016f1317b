'use client';

import Form from '@rjsf/antd';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import { App, Drawer } from 'antd';
import { type ReactNode, useState } from 'react';
import { rjsfStrings } from '@/components/apps/rjsf-zh';
import { type PersonData, toErrorSchema, validators } from '@/components/people/person-form-shared';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useEntryGuard } from '../entry/use-entry-guard';

/**
 * Editing a base-data record's attributes (houses, vehicles) in a drawer rendered from its JSON Schema: the data-entry
 * undertaking first, the editable fields filled from the record, only those sent as the patch (empty as null), the
 * server's field errors shown on their fields. `save` sends the patch; the caller refreshes what it shows.
 */
export function useRecordEdit(opts: {
  editable: readonly string[];
  schema: RJSFSchema;
  uiSchema: UiSchema;
  title: string;
  savedMessage: string;
  testId: string;
  pending: boolean;
  save: (patch: Record<string, unknown>) => Promise<unknown>;
}): { open: (record: Record<string, unknown>) => void; drawer: ReactNode } {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const entry = useEntryGuard();
  const [editing, setEditing] = useState(false);
  const [formData, setFormData] = useState<PersonData>({});
  const [extraErrors, setExtraErrors] = useState<ErrorSchema<PersonData> | undefined>();

  const open = (record: Record<string, unknown>) =>
    entry.guard(() => {
      setExtraErrors(undefined);
      setFormData(
        Object.fromEntries(
          opts.editable.filter((k) => record[k] != null && record[k] !== '').map((k) => [k, record[k]]),
        ) as PersonData,
      );
      setEditing(true);
    });
  const submit = async (data: PersonData) => {
    setExtraErrors(undefined);
    try {
      await opts.save(Object.fromEntries(opts.editable.map((k) => [k, data[k] ?? null])));
      message.success(opts.savedMessage);
      setEditing(false);
    } catch (e) {
      const fields = appErrorData(e)?.fieldErrors;
      if (fields && Object.keys(fields).length) setExtraErrors(toErrorSchema(fields, lang));
      else message.error(errorMessage(e, lang, t('common.unknownError')));
    }
  };

  const drawer = (
    <>
      <Drawer
        open={editing}
        onClose={() => setEditing(false)}
        title={opts.title}
        size="large"
        destroyOnHidden
        data-testid={opts.testId}
      >
        <Form
          schema={opts.schema}
          uiSchema={opts.uiSchema}
          validator={validators[lang]}
          translateString={rjsfStrings(lang)}
          formData={formData}
          onChange={(e) => setFormData(e.formData ?? {})}
          extraErrors={extraErrors}
          noHtml5Validate
          showErrorList={false}
          disabled={opts.pending}
          onSubmit={(e) => void submit(e.formData ?? {})}
        />
      </Drawer>
      {entry.modal}
    </>
  );
  return { open, drawer };
}

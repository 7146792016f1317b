import type { FormInstance } from 'antd';
import { appErrorData } from '@/lib/app-error';

/** Puts the server's per-field messages under the matching inputs (only fields this form has). */
export function applyFieldErrors(form: FormInstance, error: unknown) {
  const fieldErrors = appErrorData(error)?.fieldErrors;
  if (!fieldErrors) return;
  const known = Object.keys(form.getFieldsValue(true));
  form.setFields(
    Object.entries(fieldErrors)
      .filter(([name]) => known.includes(name))
      .map(([name, errors]) => ({ name, errors })),
  );
}

import type { ErrorSchema } from '@rjsf/utils';
import { customizeValidator } from '@rjsf/validator-ajv8';
import localizeZh from 'ajv-i18n/localize/zh';
import type { Lang } from '@/i18n/lang';
import { pickLang } from '@/lib/bilingual';

/** What the person forms (add and edit) hold. */
export type PersonData = Record<string, unknown>;

/** Schema validators per language, so ajv's messages match the console's language. */
export const validators = {
  'zh-CN': customizeValidator<PersonData>({}, localizeZh as Parameters<typeof customizeValidator>[1]),
  en: customizeValidator<PersonData>(),
} satisfies Record<Lang, unknown>;

/** Server field errors (`{ 'a.b': [msg] }`) as rjsf's error schema, so they show under the fields. */
export function toErrorSchema(fieldErrors: Record<string, string[]>, lang: Lang): ErrorSchema<PersonData> {
  const out: Record<string, unknown> = {};
  for (const [field, messages] of Object.entries(fieldErrors)) {
    let node = out;
    for (const part of field.split('.')) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node.__errors = messages.map((m) => pickLang(m, lang));
  }
  return out as ErrorSchema<PersonData>;
}

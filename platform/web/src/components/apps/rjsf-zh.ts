import { englishStringTranslator, TranslatableString } from '@rjsf/utils';
import type { Lang } from '@/i18n/lang';

// rjsf's own words (buttons, empty arrays) in Chinese; ajv's validation messages are localised by the validator.
const zh: Partial<Record<TranslatableString, string>> = {
  [TranslatableString.ArrayItemTitle]: '项目',
  [TranslatableString.EmptyArray]: '还没有内容，请点击下方按钮添加。',
  [TranslatableString.YesLabel]: '是',
  [TranslatableString.NoLabel]: '否',
  [TranslatableString.CloseLabel]: '关闭',
  [TranslatableString.ErrorsLabel]: '错误',
  [TranslatableString.AddButton]: '添加',
  [TranslatableString.AddItemButton]: '添加一项',
  [TranslatableString.CopyButton]: '复制',
  [TranslatableString.MoveDownButton]: '下移',
  [TranslatableString.MoveUpButton]: '上移',
  [TranslatableString.RemoveButton]: '删除',
  [TranslatableString.NowLabel]: '现在',
  [TranslatableString.ClearLabel]: '清除',
  [TranslatableString.AriaDateLabel]: '选择日期',
  [TranslatableString.ClearButton]: '清空',
  [TranslatableString.OptionalObjectAdd]: '填写此项',
  [TranslatableString.OptionalObjectRemove]: '不填此项',
  [TranslatableString.OptionalObjectEmptyMsg]: '此项未填写',
};

/** rjsf's `translateString` for the UI language. */
export function rjsfStrings(lang: Lang) {
  return (key: TranslatableString, params?: string[]) =>
    lang === 'zh-CN' && zh[key] ? zh[key] : englishStringTranslator(key, params);
}

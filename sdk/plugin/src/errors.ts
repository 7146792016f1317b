/** Error codes a handler may report to users; anything else a handler throws shows as PLUGIN_FAILED. */
export type PluginErrorCode = 'INVALID_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN';

/** Options of a {@link PluginError}. */
export interface PluginErrorOptions {
  /** What the user reads in Chinese. */
  zh: string;
  /** What the user reads in English. */
  en: string;
  /** Messages by form field (dotted path), shown beside the fields. */
  fieldErrors?: Record<string, string[]>;
}

/**
 * An error meant for the user: the platform passes its code and bilingual message through to the page instead of
 * the generic "the app failed".
 *
 * @example
 * ```ts
 * throw new PluginError('NOT_FOUND', { zh: '帖子不存在', en: 'No such post' });
 * ```
 */
export class PluginError extends Error {
  /** Read by the sandbox to tell a deliberate error from a crash. */
  readonly shequCode: PluginErrorCode;
  readonly zh: string;
  readonly en: string;
  readonly fieldErrors?: Record<string, string[]>;

  constructor(code: PluginErrorCode, opts: PluginErrorOptions) {
    super(opts.en);
    this.name = 'PluginError';
    this.shequCode = code;
    this.zh = opts.zh;
    this.en = opts.en;
    this.fieldErrors = opts.fieldErrors;
  }

  /** The error's code (same as `shequCode`). */
  get code(): PluginErrorCode {
    return this.shequCode;
  }
}

/**
 * Shorthand for INVALID_INPUT with messages on fields.
 *
 * @example
 * ```ts
 * throw invalidInput({ body: ['评论不能为空 / The comment is empty'] });
 * ```
 */
export function invalidInput(
  fieldErrors: Record<string, string[]>,
  zh = '请检查填写的内容',
  en = 'Please check the marked fields',
): PluginError {
  return new PluginError('INVALID_INPUT', { zh, en, fieldErrors });
}

/** Shorthand for NOT_FOUND naming what is missing, in both languages. */
export function notFound(zhWhat: string, enWhat: string): PluginError {
  return new PluginError('NOT_FOUND', { zh: `${zhWhat}不存在`, en: `${enWhat} not found` });
}

/** Shorthand for FORBIDDEN with a bilingual reason. */
export function forbidden(zh: string, en: string): PluginError {
  return new PluginError('FORBIDDEN', { zh, en });
}

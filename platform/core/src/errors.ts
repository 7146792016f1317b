/** Error codes users and clients can rely on; each maps to one HTTP status. */
export const errorStatus = {
  INVALID_INPUT: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  MFA_REQUIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ACCOUNT_LOCKED: 423,
  RATE_LIMITED: 429,
  PLUGIN_FAILED: 502,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface AppErrorOptions {
  /** Message in Chinese (shown first) and English. */
  zh: string;
  en: string;
  /** Public errors carry their message to the user; others show a generic message and keep details in the log. */
  isPublic?: boolean;
  fieldErrors?: Record<string, string[]>;
  cause?: unknown;
}

/** The one error class of the platform; the API formatter maps it to tRPC and HTTP. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly messageZh: string;
  readonly messageEn: string;
  readonly isPublic: boolean;
  readonly fieldErrors?: Record<string, string[]>;

  constructor(code: ErrorCode, opts: AppErrorOptions) {
    super(opts.en, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.messageZh = opts.zh;
    this.messageEn = opts.en;
    this.isPublic = opts.isPublic ?? true;
    this.fieldErrors = opts.fieldErrors;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export const forbidden = (what = 'this action') =>
  new AppError('FORBIDDEN', { zh: '您没有执行此操作的权限', en: `You are not allowed to perform ${what}` });

export const notFound = (what: string, whatZh: string) =>
  new AppError('NOT_FOUND', { zh: `${whatZh}不存在`, en: `${what} not found` });

export const unauthenticated = () => new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in first' });

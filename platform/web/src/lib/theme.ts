import type { ThemeConfig } from 'antd';

// System fonts only: the build must work offline, and every target OS ships one of these CJK faces.
export const FONT_STACK =
  '-apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif';

export const baseTheme: ThemeConfig = {
  token: { fontFamily: FONT_STACK, colorPrimary: '#1f6feb', borderRadius: 8 },
};

/** Large-text mode for older residents: ≥20px body text and taller touch targets. */
export const largeTextToken = {
  fontSize: 20,
  controlHeight: 48,
  controlHeightLG: 56,
  controlHeightSM: 36,
} as const;

export const LARGE_TEXT_STORAGE_KEY = 'shequ_large_text';
export const LARGE_TEXT_CLASS = 'shequ-large-text';

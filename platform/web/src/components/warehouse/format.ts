export const shanghaiTime = (iso: string | null) =>
  iso
    ? new Intl.DateTimeFormat('zh-CN', {
        timeZone: 'Asia/Shanghai',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(iso))
    : '—';

export const percent = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`);
export const orDash = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));

/** Fen as yuan with two decimals, computed on integers (`1234` → `12.34`). */
export const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;

/** A yuan amount typed by staff (up to two decimals) as integer fen, without floating-point drift. */
export const fenOfYuan = (v: number) => Math.round(v * 100);

export const orderStatusColour: Record<string, string> = {
  open: 'gold',
  paid: 'green',
  partially_refunded: 'blue',
  refunded: 'default',
  cancelled: 'default',
};

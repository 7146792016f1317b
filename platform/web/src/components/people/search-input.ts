/** What a search box entry means: an ID number or a mobile number is looked up exactly, anything else by name. */
export type PeopleFilter = { namePrefix?: string; idNumber?: string; phone?: string };

export function filterFor(text: string): PeopleFilter {
  const q = text.trim();
  if (!q) return {};
  if (/^\d{17}[\dXx]$/.test(q) || /^\d{15}$/.test(q)) return { idNumber: q.toUpperCase() };
  if (/^1[3-9]\d{9}$/.test(q)) return { phone: q };
  return { namePrefix: q };
}

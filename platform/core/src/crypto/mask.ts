/** Masking helpers applied by role in services: what most screens show instead of L3+ values. */

export function maskPhone(phone: string): string {
  const d = phone.replace(/\s+/g, '');
  if (d.length < 7) return '*'.repeat(d.length);
  return `${d.slice(0, 3)}${'*'.repeat(d.length - 7)}${d.slice(-4)}`;
}

/** Keeps the 6-digit region code and the last 4 characters of a GB 11643 number. */
export function maskIdNumber(id: string): string {
  if (id.length <= 10) return `${id.slice(0, 1)}${'*'.repeat(Math.max(0, id.length - 2))}${id.slice(-1)}`;
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

/** 张三 → 张*, 欧阳娜娜 → 欧**娜; Latin names keep their first letter per word. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return '';
  if (/^[\p{Script=Han}·]+$/u.test(name.trim())) {
    if (chars.length === 1) return '*';
    if (chars.length === 2) return `${chars[0]}*`;
    return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
  }
  return name
    .trim()
    .split(/\s+/)
    .map((w) => `${w[0]}${'*'.repeat(Math.max(0, w.length - 1))}`)
    .join(' ');
}

/** Shows the coarse part (up to the compound/building) and hides unit and room. */
export function maskAddress(address: string, keep = 6): string {
  const chars = [...address];
  if (chars.length <= keep) return `${chars.slice(0, 2).join('')}****`;
  return `${chars.slice(0, keep).join('')}****`;
}

// Test helpers shared by the base-data suites.

/** A valid GB 11643 number for a birth date and sequence (check digit computed here, independently of the validator). */
export function idFor(birth: string, seq: number, region = '330106'): string {
  const body = `${region}${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

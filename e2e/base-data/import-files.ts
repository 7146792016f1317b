// Spreadsheet files for the import scenarios: houses and people in the documented template layout.

/** GB 11643 MOD 11-2 check character for 17 leading digits. */
function checkChar(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return '10X98765432'[sum % 11];
}
const validId = (first17: string) => first17 + checkChar(first17);
const wrongCheck = (first17: string) => first17 + (checkChar(first17) === '1' ? '2' : '1');

const PEOPLE_HEADER = '姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系';
const HOUSES_HEADER = '小区,楼栋,单元,楼层,房号,户型,建筑面积,产权性质';
export const importedName = (i: number) => `导入居民${i}`;

export function housesCsv(): string {
  const rows = Array.from({ length: 5 }, (_, i) => `示范小区,8,1,${i + 1},${i + 1}01,三室一厅,89.5,商品房`);
  return `\uFEFF${[HOUSES_HEADER, ...rows].join('\r\n')}\r\n`;
}

/**
 * Six people in building 8; `badRows` are spreadsheet row numbers (the header is row 1); `phones` gives some of
 * them (by 1-based person number) another mobile number than the one first imported.
 */
export function peopleCsv(badRows: number[], phones: Record<number, string> = {}): string {
  const rows = Array.from({ length: 6 }, (_, i) => {
    const first17 = `33010619800101${String(101 + i)}`;
    const id = badRows.includes(i + 2) ? wrongCheck(first17) : validId(first17);
    const floor = (i % 5) + 1;
    const role = i < 5 ? '业主' : '家属';
    return `${importedName(i + 1)},居民身份证,${id},${phones[i + 1] ?? `1390000000${i}`},示范小区,8,1,${floor},${floor}01,${role}`;
  });
  return `\uFEFF${[PEOPLE_HEADER, ...rows].join('\r\n')}\r\n`;
}

const VEHICLES_HEADER = '车牌号码,号牌颜色,车辆类型,车主证件号码,小区,车位,停放时长';

/**
 * Vehicles of the imported residents 1 and 2 (a fuel car and a new-energy one) and a temporary car; with `badPlate`,
 * the second row's plate has a letter O, which GA 36 plates never use.
 */
export function vehiclesCsv(badPlate: boolean): string {
  const owner = (i: number) => validId(`33010619800101${String(100 + i)}`);
  const rows = [
    `浙A8B101,蓝,居民,${owner(1)},示范小区,B-101,`,
    `${badPlate ? '浙AD1O202' : '浙AD12202'},,居民,${owner(2)},示范小区,B-102,`,
    '浙B7C303,蓝,临时,,,,45',
  ];
  return `\uFEFF${[VEHICLES_HEADER, ...rows].join('\r\n')}\r\n`;
}

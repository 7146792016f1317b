import { baseSchemas, type JsonSchema } from '@shequ/schemas';

/**
 * Import templates: the Chinese headers of the documented templates, the English ones accepted beside them, and
 * the Chinese value names that map to schema enums. Documented in docs/import-templates.md.
 */
/** Chinese value names → enum codes, read from the schema's x-enumNames (the one place they are declared). */
function enumNames(schema: JsonSchema, field: string): Record<string, string> {
  const p = schema.properties?.[field];
  const codes = (p?.enum ?? []) as string[];
  return Object.fromEntries((p?.['x-enumNames'] ?? []).map((zh, i) => [zh, codes[i]]));
}

export type ImportKind = 'people' | 'houses' | 'vehicles' | 'spaces' | 'facilities';

export interface Column {
  field: string;
  zh: string;
  en: string;
  required?: boolean;
  values?: Record<string, string>;
}

const idTypes = {
  居民身份证: 'id_card',
  身份证: 'id_card',
  港澳台居民居住证: 'hk_macau_tw_permit',
  居住证: 'hk_macau_tw_permit',
  护照: 'passport',
};
const roles = {
  业主: 'owner',
  户主: 'owner',
  家属: 'family',
  家庭成员: 'family',
  租户: 'tenant',
  租客: 'tenant',
  其他: 'other',
};
const plateColours = {
  蓝: 'blue',
  蓝色: 'blue',
  黄: 'yellow',
  黄色: 'yellow',
  黑: 'black',
  黑色: 'black',
  白: 'white',
  白色: 'white',
  绿: 'green',
  绿色: 'green',
  黄绿: 'yellow_green',
  黄绿色: 'yellow_green',
  渐变绿: 'gradient_green',
  渐变绿色: 'gradient_green',
};
const vehicleKinds = { 居民: 'resident', 居民车辆: 'resident', 临时: 'temporary', 临时车辆: 'temporary' };
const ownership = {
  商品房: 'commodity',
  安置房: 'resettlement',
  公租房: 'public_rental',
  人才房: 'talent',
  自建房: 'self_built',
  其他: 'other',
};

const houseColumns: Column[] = [
  { field: 'compound', zh: '小区', en: 'compound', required: true },
  { field: 'building', zh: '楼栋', en: 'building', required: true },
  { field: 'unit', zh: '单元', en: 'unit', required: true },
  { field: 'floor', zh: '楼层', en: 'floor', required: true },
  { field: 'room', zh: '房号', en: 'room', required: true },
];

export const templates: Record<ImportKind, Column[]> = {
  people: [
    { field: 'name', zh: '姓名', en: 'name', required: true },
    { field: 'idType', zh: '证件类型', en: 'idType', required: true, values: idTypes },
    { field: 'idNumber', zh: '证件号码', en: 'idNumber', required: true },
    { field: 'phone', zh: '手机号码', en: 'phone' },
    ...houseColumns,
    { field: 'role', zh: '与房屋关系', en: 'role', required: true, values: roles },
  ],
  vehicles: [
    { field: 'plate', zh: '车牌号码', en: 'plate', required: true },
    { field: 'plateColour', zh: '号牌颜色', en: 'plateColour', values: plateColours },
    { field: 'kind', zh: '车辆类型', en: 'kind', required: true, values: vehicleKinds },
    { field: 'ownerIdNumber', zh: '车主证件号码', en: 'ownerIdNumber' },
    { field: 'compound', zh: '小区', en: 'compound' },
    { field: 'parkingSpace', zh: '车位', en: 'parkingSpace' },
    { field: 'brand', zh: '品牌', en: 'brand' },
    { field: 'bodyColour', zh: '车身颜色', en: 'bodyColour' },
    { field: 'parkingMinutes', zh: '停放时长', en: 'parkingMinutes' },
  ],
  spaces: [
    { field: 'name', zh: '空间名称', en: 'name', required: true },
    {
      field: 'useType',
      zh: '用途类型',
      en: 'useType',
      required: true,
      values: enumNames(baseSchemas.space, 'useType'),
    },
    { field: 'useTypeDetail', zh: '用途说明', en: 'useTypeDetail' },
    { field: 'location', zh: '地理位置', en: 'location' },
    { field: 'lng', zh: '经度', en: 'lng' },
    { field: 'lat', zh: '纬度', en: 'lat' },
    { field: 'buildingCode', zh: '省级建筑编码', en: 'buildingCode' },
    { field: 'area', zh: '面积', en: 'area' },
    { field: 'ownership', zh: '产权', en: 'ownership' },
  ],
  facilities: [
    { field: 'name', zh: '设施名称', en: 'name', required: true },
    { field: 'type', zh: '设施类型', en: 'type', required: true, values: enumNames(baseSchemas.facility, 'type') },
    { field: 'subtype', zh: '子类型', en: 'subtype' },
    { field: 'location', zh: '地理位置', en: 'location' },
    { field: 'lng', zh: '经度', en: 'lng' },
    { field: 'lat', zh: '纬度', en: 'lat' },
    { field: 'status', zh: '状态', en: 'status', required: true, values: enumNames(baseSchemas.facility, 'status') },
  ],
  houses: [
    ...houseColumns,
    { field: 'layout', zh: '户型', en: 'layout' },
    { field: 'area', zh: '建筑面积', en: 'area' },
    { field: 'ownership', zh: '产权性质', en: 'ownership', values: ownership },
  ],
};

export interface HeaderMap {
  columns: Array<{ index: number; column: Column; header: string }>;
  missing: Column[];
  unknown: string[];
}

/** Matches file headers to template columns (Chinese or English, case-insensitive for English). */
export function mapHeaders(kind: ImportKind, headers: string[]): HeaderMap {
  const cols = templates[kind];
  const columns: HeaderMap['columns'] = [];
  const unknown: string[] = [];
  headers.forEach((h, index) => {
    const c = cols.find((x) => x.zh === h || x.en.toLowerCase() === h.toLowerCase());
    if (c) columns.push({ index, column: c, header: h });
    else if (h) unknown.push(h);
  });
  const missing = cols.filter((c) => c.required && !columns.some((m) => m.column === c));
  return { columns, missing, unknown };
}

/** A cell's value for the schema: Chinese names of enum values mapped; enum codes themselves accepted. */
export function cellValue(column: Column, raw: string): string | undefined {
  if (raw === '') return undefined;
  if (!column.values) return raw;
  return column.values[raw] ?? (Object.values(column.values).includes(raw) ? raw : `?${raw}`);
}

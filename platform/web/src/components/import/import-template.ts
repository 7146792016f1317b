import type { ImportKind } from './import-api';

/** The documented template headers (docs/import-templates.md). */
export const templateHeaders: Record<ImportKind, string[]> = {
  people: ['姓名', '证件类型', '证件号码', '手机号码', '小区', '楼栋', '单元', '楼层', '房号', '与房屋关系'],
  houses: ['小区', '楼栋', '单元', '楼层', '房号', '户型', '建筑面积', '产权性质'],
  vehicles: ['车牌号码', '号牌颜色', '车辆类型', '车主证件号码', '小区', '车位', '品牌', '车身颜色', '停放时长'],
};

/** Saves an empty template; the BOM makes Excel open the UTF-8 CSV with the right encoding. */
export function downloadTemplate(kind: ImportKind, fileName: string) {
  const csv = `\uFEFF${templateHeaders[kind].join(',')}\r\n`;
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

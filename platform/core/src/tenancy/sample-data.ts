import { compounds, type Executor, mapFeatures, regions } from '@shequ/db';
import { and, eq, ne, sql } from 'drizzle-orm';
import { type ImportReport, importBatch } from '../basedata/import/import-service.ts';
import { createMapFeature, type Geometry } from '../basedata/map-service.ts';
import { idCheckChar } from '../basedata/validate/index.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';

const surnames =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文施洪'.split(
    '',
  );
const given =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰华建国红玉梅飞鑫波斌宇浩凯健俊帆志婷雪琳晨欣怡子轩浩然梓涵一诺雨桐'.split(
    '',
  );
const brands = ['比亚迪', '吉利', '大众', '丰田', '本田', '特斯拉', '理想', '蔚来', '奥迪', '别克'];
const plateChars = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';

/** A small deterministic PRNG (mulberry32): the same sample every time, so demos and screenshots are stable. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SampleSize {
  households: number;
  people: number;
  vehicles: number;
}
export const sampleSizes: Record<'small' | 'large', SampleSize & { communities: number }> = {
  small: { households: 2000, people: 5000, vehicles: 1500, communities: 1 },
  /** The benchmark set: the small sample in the demo community and 199 more under the same street, 1,000,000 people. */
  large: { households: 2000, people: 5000, vehicles: 1500, communities: 200 },
};

/** CSV files in the import templates' format: the sample goes through the same validation as a real import. */
export function sampleFiles(
  size: SampleSize,
  seed = 20261128,
): { houses: string; people: string; vehicles: string; spaces: string; facilities: string } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const compounds = ['示范小区', '和园'];
  const houses: string[][] = [];
  for (let h = 0; h < size.households; h++) {
    const compound = compounds[h % 2];
    const n = Math.floor(h / 2);
    const building = String(1 + Math.floor(n / 100));
    const unit = String(1 + (Math.floor(n / 50) % 2));
    const floor = String(1 + (Math.floor(n / 2) % 25));
    houses.push([
      compound,
      building,
      unit,
      floor,
      `${floor}0${1 + (n % 2)}`,
      pick(['两室一厅', '三室一厅', '三室两厅', '四室两厅']),
      (60 + Math.floor(r() * 90)).toFixed(1),
      pick(['商品房', '商品房', '安置房', '人才房']),
    ]);
  }
  const people: string[][] = [];
  const owners: string[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < size.people; i++) {
    const house = houses[i % size.households];
    const year = 1935 + Math.floor(r() * 85);
    const month = String(1 + Math.floor(r() * 12)).padStart(2, '0');
    const day = String(1 + Math.floor(r() * 28)).padStart(2, '0');
    let body = `330106${year}${month}${day}${String(i % 1000).padStart(3, '0')}`;
    // Another seed can draw a birth date twice for one sequence number: move to the next day until the number is new.
    for (let bump = 1; ids.has(body); bump++) {
      const next = new Date(Date.UTC(year, Number(month) - 1, Number(day) + bump)).toISOString().slice(0, 10);
      body = `330106${next.replaceAll('-', '')}${String(i % 1000).padStart(3, '0')}`;
    }
    ids.add(body);
    const id = body + idCheckChar(body);
    const role = i < size.households ? '业主' : pick(['家属', '家属', '租户']);
    if (i < size.households) owners.push(id);
    const phone = `1${pick(['3', '5', '7', '8', '9'])}${String(Math.floor(r() * 1e9)).padStart(9, '0')}`;
    people.push([
      `${pick(surnames)}${pick(given)}${r() < 0.6 ? pick(given) : ''}`,
      '居民身份证',
      id,
      phone,
      ...house.slice(0, 5),
      role,
    ]);
  }
  const vehicles: string[][] = [];
  const plates = new Set<string>();
  while (vehicles.length < size.vehicles) {
    const green = r() < 0.3;
    const serial = green
      ? `${pick([...'DF'])}${Array.from({ length: 5 }, () => String(Math.floor(r() * 10))).join('')}`
      : Array.from({ length: 5 }, () => pick([...plateChars])).join('');
    const plate = `浙A${serial}`;
    if (plates.has(plate)) continue;
    plates.add(plate);
    const k = vehicles.length;
    vehicles.push([
      plate,
      green ? '渐变绿' : '蓝',
      '居民',
      owners[k % owners.length],
      houses[k % size.households][0],
      `P-${1000 + k}`,
      pick(brands),
      pick(['白', '黑', '灰', '蓝', '红']),
    ]);
  }
  const csv = (header: string, rows: string[][]) => [header, ...rows.map((x) => x.join(','))].join('\n');
  return {
    houses: csv('小区,楼栋,单元,楼层,房号,户型,建筑面积,产权性质', houses),
    people: csv('姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系', people),
    vehicles: csv('车牌号码,号牌颜色,车辆类型,车主证件号码,小区,车位,品牌,车身颜色', vehicles),
    spaces: csv('空间名称,用途类型,用途说明,地理位置,经度,纬度,面积,产权', sampleSpaces),
    facilities: csv('设施名称,设施类型,子类型,地理位置,经度,纬度,状态', sampleFacilities),
  };
}

/** The community's public spaces (DB33 7.2.3.5): the same in every sample community, beside the sample buildings. */
const sampleSpaces: string[][] = [
  ['北山党群服务中心', '党群服务中心', '', '示范小区南门东侧', '120.1505', '30.2582', '860', '社区集体'],
  ['和园邻里中心', '邻里中心', '', '和园 1 幢一层', '120.1563', '30.2583', '1200', '社区集体'],
  ['社区卫生服务站', '卫生服务中心', '', '示范小区 3 幢南侧', '120.1526', '30.2583', '420', '国有'],
  ['智慧健康站', '智慧健康站', '', '邻里中心二层', '120.1564', '30.2584', '120', '社区集体'],
  ['北山文化礼堂', '文化礼堂', '', '示范小区中心广场', '120.1531', '30.2590', '650', '社区集体'],
  ['幸福学堂', '幸福学堂', '', '党群服务中心三层', '120.1506', '30.2582', '200', '社区集体'],
  ['共享书房', '共享书房', '', '和园 2 幢架空层', '120.1575', '30.2587', '160', '社区集体'],
  ['长者食堂', '社区食堂', '老年助餐点', '邻里中心一层', '120.1563', '30.2584', '380', '社区集体'],
  ['康养日照中心', '康养日照中心', '', '示范小区 6 幢一层', '120.1504', '30.2593', '520', '社区集体'],
  ['小苗托育园', '托育中心', '', '和园 3 幢一层', '120.1584', '30.2587', '450', '民营'],
  ['北山体育公园', '体育公园', '', '两小区之间绿地', '120.1548', '30.2596', '5600', '国有'],
  ['共享活动室', '共享活动室', '', '示范小区 8 幢架空层', '120.1526', '30.2593', '140', '社区集体'],
];

/** Facilities of the eight types of DB33 7.2.3.6.2, one with a fault and one under repair, so the lists have states. */
const sampleFacilities: string[][] = [
  ['示范小区南门人行闸', '出入口感知设备', '人行道闸', '示范小区南门', '120.1504', '30.2584', '正常'],
  ['示范小区南门车行闸', '出入口感知设备', '车行道闸', '示范小区南门', '120.1502', '30.2584', '正常'],
  ['和园北门人行闸', '出入口感知设备', '人行道闸', '和园北门', '120.1566', '30.2600', '故障'],
  ['3 幢消防栓', '安防消防设备', '室外消火栓', '示范小区 3 幢东侧', '120.1529', '30.2585', '正常'],
  ['中心广场监控', '安防消防设备', 'AI 摄像机', '示范小区中心广场', '120.1531', '30.2589', '正常'],
  ['园路路灯 1–20 号', '公共照明环境配件', '路灯', '示范小区环路', '120.1515', '30.2588', '正常'],
  ['2 号配电房', '公共配电网弱电设备', '配电房', '和园 5 幢北侧', '120.1599', '30.2590', '维修中'],
  ['二次供水泵房', '公共给排水设施', '供水泵房', '示范小区地下一层', '120.1518', '30.2591', '正常'],
  ['邻里中心 AED', '医疗急救设备', 'AED', '邻里中心一层大厅', '120.1563', '30.2583', '正常'],
  ['共享书房借阅终端', '教育互动设施', '图书借阅终端', '和园 2 幢架空层', '120.1575', '30.2587', '正常'],
  ['体育公园健身路径', '公共健身娱乐设施', '健身器材', '北山体育公园', '120.1548', '30.2597', '正常'],
  ['儿童游乐场', '公共健身娱乐设施', '游乐设施', '和园中心绿地', '120.1573', '30.2592', '正常'],
];

/**
 * Outlines of the sample's ten buildings per compound, laid out in two rows of five by the West Lake, so the demo map
 * has buildings and every sample house a Beidou grid code. 40 m × 15 m blocks, 60 m apart.
 */
export function sampleBuildings(): Array<{ compound: string; name: string; ring: [number, number][] }> {
  const origins: Record<string, [number, number]> = { 示范小区: [120.1502, 30.2586], 和园: [120.1562, 30.2586] };
  const out: Array<{ compound: string; name: string; ring: [number, number][] }> = [];
  for (const [compound, [x0, y0]] of Object.entries(origins)) {
    for (let b = 0; b < 10; b++) {
      const x = Number((x0 + (b % 5) * 0.0011).toFixed(6));
      const y = Number((y0 + Math.floor(b / 5) * 0.0006).toFixed(6));
      const w = 0.0004;
      const h = 0.00014;
      out.push({
        compound,
        name: String(b + 1),
        ring: [
          [x, y],
          [Number((x + w).toFixed(6)), y],
          [Number((x + w).toFixed(6)), Number((y + h).toFixed(6))],
          [x, Number((y + h).toFixed(6))],
          [x, y],
        ],
      });
    }
  }
  return out;
}

/**
 * The rest of the sample map around those buildings: the community boundary, its two roads, the green of 和园 and the
 * substation, so the demo map (社区地图) shows every kind of feature.
 */
export function sampleMapExtras(): Array<{
  kind: 'boundary' | 'road' | 'space' | 'facility';
  name: string;
  geometry: Geometry;
}> {
  const box = (w: number, s: number, e: number, n: number): Geometry => ({
    type: 'Polygon',
    coordinates: [
      [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s],
      ],
    ],
  });
  return [
    { kind: 'boundary', name: '示范社区边界', geometry: box(120.1495, 30.258, 120.1615, 30.2603) },
    {
      kind: 'road',
      name: '北山路',
      geometry: {
        type: 'LineString',
        coordinates: [
          [120.1495, 30.2583],
          [120.1615, 30.2583],
        ],
      },
    },
    {
      kind: 'road',
      name: '和园路',
      geometry: {
        type: 'LineString',
        coordinates: [
          [120.1556, 30.2583],
          [120.1556, 30.2603],
        ],
      },
    },
    { kind: 'space', name: '和园中心绿地', geometry: box(120.157, 30.2588, 120.158, 30.2591) },
    { kind: 'facility', name: '和园配电房', geometry: { type: 'Point', coordinates: [120.1559, 30.259] } },
  ];
}

/** The code of the n-th sample community (0 is the demo community itself). */
export const sampleCommunityCode = (n: number) => (n === 0 ? 'demo' : `sample${String(n).padStart(3, '0')}`);

/** A further community beside the demo one, under the same street, with the sample's two compounds. */
async function ensureSampleCommunity(ex: Executor, n: number) {
  const code = sampleCommunityCode(n);
  const [found] = await ex.select().from(regions).where(eq(regions.code, code));
  if (found) return found;
  const [demo] = await ex.select().from(regions).where(eq(regions.code, 'demo'));
  const [street] = await ex
    .select()
    .from(regions)
    .where(eq(regions.id, demo.parentId as string));
  return ex.transaction(async (tx) => {
    const [row] = await tx
      .insert(regions)
      .values({
        level: 'community',
        code,
        name: `样本社区${String(n).padStart(3, '0')}`,
        nameEn: `Sample Community ${n}`,
        parentId: street.id,
        path: 'pending',
      })
      .returning();
    const path = `${street.path}${row.id}/`;
    await tx.update(regions).set({ path }).where(eq(regions.id, row.id));
    await tx.insert(compounds).values([
      { communityId: row.id, code: 'sfxq', name: '示范小区', nameEn: 'Demo Compound', buildingCount: 10 },
      { communityId: row.id, code: 'hyy', name: '和园', nameEn: 'He Yuan', buildingCount: 10 },
    ]);
    return { ...row, path };
  });
}

/**
 * Loads the sample through the import path: into the demo community, and for the large set into 199 more communities
 * (each its own people, ID numbers and plates). Running it twice changes nothing.
 */
export async function seedSample(
  ex: Executor,
  crypto: FieldCrypto,
  size: SampleSize & { communities?: number },
  progress?: (n: number, total: number, reports: Record<string, ImportReport>) => void,
): Promise<Record<string, ImportReport>> {
  const [demo] = await ex.select().from(regions).where(eq(regions.code, 'demo'));
  if (!demo) throw new Error('seed the demo community first');
  const total = size.communities ?? 1;
  const sum: Record<string, ImportReport> = {};
  for (let n = 0; n < total; n++) {
    const community = n === 0 ? demo : await ensureSampleCommunity(ex, n);
    const reports = await seedCommunity(ex, crypto, size, community.id, n === 0 ? 20261128 : 20261128 + n);
    for (const [kind, r] of Object.entries(reports)) {
      const s = sum[kind];
      sum[kind] = s
        ? { ...s, rows: s.rows + r.rows, created: s.created + r.created, unchanged: s.unchanged + r.unchanged }
        : r;
    }
    progress?.(n + 1, total, reports);
  }
  return sum;
}

async function seedCommunity(
  ex: Executor,
  crypto: FieldCrypto,
  size: SampleSize,
  communityId: string,
  seed: number,
): Promise<Record<string, ImportReport>> {
  const demo = { id: communityId };
  const files = sampleFiles(size, seed);
  const d = { db: ex, crypto };
  const scope = { kind: 'communities' as const, ids: [demo.id] };
  const out: Record<string, ImportReport> = {};
  const drawn = await ex
    .select({ n: sql<number>`count(*)::int` })
    .from(mapFeatures)
    .where(and(eq(mapFeatures.communityId, demo.id), eq(mapFeatures.kind, 'building')));
  if (drawn[0].n === 0) {
    const ids = new Map(
      (await ex.select().from(compounds).where(eq(compounds.communityId, demo.id))).map((c) => [c.name, c.id]),
    );
    for (const b of sampleBuildings()) {
      await createMapFeature(
        d,
        scope,
        demo.id,
        {
          kind: 'building',
          name: b.name,
          refId: ids.get(b.compound),
          geometry: { type: 'Polygon', coordinates: [b.ring] },
          properties: { floors: 25 },
        },
        { subject: 'system:seed' },
      );
    }
  }
  const [others] = await ex
    .select({ n: sql<number>`count(*)::int` })
    .from(mapFeatures)
    .where(and(eq(mapFeatures.communityId, demo.id), ne(mapFeatures.kind, 'building')));
  if (others.n === 0) {
    for (const f of sampleMapExtras()) await createMapFeature(d, scope, demo.id, f, { subject: 'system:seed' });
  }
  for (const kind of ['houses', 'people', 'vehicles', 'spaces', 'facilities'] as const) {
    const r = await importBatch(d, scope, {
      kind,
      communityId: demo.id,
      fileName: `sample-${kind}.csv`,
      data: Buffer.from(files[kind]),
      dryRun: false,
      actor: { subject: 'system:seed' },
    });
    if (!r.committed) throw new Error(`sample ${kind} did not import: ${JSON.stringify(r.errors.slice(0, 3))}`);
    out[kind] = r;
  }
  return out;
}

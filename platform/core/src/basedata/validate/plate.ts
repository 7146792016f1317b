import { type Check, fail } from './result.ts';

/** Plate background colours (GA 36-2018) with their Chinese names for display. */
export const plateColours = {
  blue: '蓝',
  yellow: '黄',
  black: '黑',
  white: '白',
  green: '绿',
  yellow_green: '黄绿',
  gradient_green: '渐变绿',
} as const;

/** One of the keys of {@link plateColours}. */
export type PlateColour = keyof typeof plateColours;

const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
/** Serial characters: I and O are never issued because they read as 1 and 0. */
const SERIAL = '[A-HJ-NP-Z0-9]';
/** Suffixes of special-purpose 7-character plates and the colour such plates carry. */
const SUFFIX_COLOURS: Record<string, PlateColour> = {
  学: 'yellow',
  挂: 'yellow',
  警: 'white',
  领: 'black',
  港: 'black',
  澳: 'black',
  // Test/over-limit plates have no single colour in practice; fall back to the ordinary one.
  试: 'blue',
  超: 'blue',
};
const NEW_ENERGY_COLOURS: readonly PlateColour[] = ['green', 'gradient_green', 'yellow_green'];

/** Facts read off a valid plate number. */
export interface PlateDerived {
  energy: 'new' | 'fuel';
  kind: 'ordinary' | 'special' | 'new_energy_small' | 'new_energy_large';
  /** Colour the plate normally has; used when the form leaves colour blank. */
  defaultColour: PlateColour;
}

/** Classifies the characters after the issuing-authority letter; `undefined` if no pattern fits. */
function classify(serial: string): Pick<PlateDerived, 'kind' | 'defaultColour'> | undefined {
  if (serial.length === 5) {
    if (new RegExp(`^${SERIAL}{5}$`).test(serial)) return { kind: 'ordinary', defaultColour: 'blue' };
    const suffix = SUFFIX_COLOURS[serial[4]];
    if (suffix && new RegExp(`^${SERIAL}{4}$`).test(serial.slice(0, 4)))
      return { kind: 'special', defaultColour: suffix };
  } else if (serial.length === 6) {
    // Small vehicles: energy letter first; large vehicles: energy letter last.
    if (new RegExp(`^[DABCEFGHJK]${SERIAL}\\d{4}$`).test(serial)) {
      return { kind: 'new_energy_small', defaultColour: 'gradient_green' };
    }
    if (/^\d{5}[DF]$/.test(serial)) return { kind: 'new_energy_large', defaultColour: 'yellow_green' };
  }
  return undefined;
}

/**
 * Validates and normalises a motor-vehicle plate number (GA 36-2018): province
 * abbreviation, issuing-authority letter, then 5 serial characters (ordinary or
 * special-suffix plates) or 6 (new-energy plates). Separators such as `·` and
 * spaces are removed so the stored form is comparable.
 *
 * @param colour - plate colour from the form; when given it must fit the plate type
 */
export function checkPlate(input: string, colour?: PlateColour): Check<string, PlateDerived> {
  const plate = input
    .trim()
    .toUpperCase()
    .replace(/[\s·•・.-]/g, '');
  if (!PROVINCES.includes(plate[0] ?? '')) {
    return fail(
      `车牌号首字“${plate[0] ?? ''}”不是省份简称`,
      `plate must start with a province abbreviation, got "${plate[0] ?? ''}"`,
    );
  }
  // Checked before the layout so the most likely typo (I for 1, O for 0) gets a precise reason.
  if (/[IO]/.test(plate)) return fail('车牌号不能包含字母 I 或 O', 'plate number must not contain the letters I or O');
  if (!/^[A-Z]$/.test(plate[1] ?? '')) {
    return fail('车牌号第二位应为发牌机关代号字母', 'second character must be the issuing-authority letter');
  }
  const serial = plate.slice(2);
  if (serial.length !== 5 && serial.length !== 6) {
    return fail(
      `车牌号长度应为 7 位（新能源 8 位），实际 ${plate.length} 位`,
      `plate must have 7 characters (8 for new-energy), got ${plate.length}`,
    );
  }
  const type = classify(serial);
  if (!type) {
    return serial.length === 6
      ? fail('新能源车牌格式错误', 'invalid new-energy plate: expected D/F-style letter first (small) or last (large)')
      : fail('车牌号序号格式错误', 'invalid plate serial characters');
  }
  const energy = serial.length === 6 ? 'new' : 'fuel';
  if (colour !== undefined) {
    if (!Object.hasOwn(plateColours, colour))
      return fail(`未知的车牌颜色：${colour}`, `unknown plate colour: ${colour}`);
    if (energy === 'new' && !NEW_ENERGY_COLOURS.includes(colour)) {
      return fail(
        `新能源车牌颜色应为绿色、渐变绿或黄绿，不能是${plateColours[colour]}色`,
        `a new-energy plate must be green, gradient green or yellow-green, not ${colour}`,
      );
    }
    if (energy === 'fuel' && (colour === 'gradient_green' || colour === 'yellow_green')) {
      return fail(
        `${plateColours[colour]}色车牌仅用于新能源汽车`,
        `${colour} plates are only issued to new-energy vehicles`,
      );
    }
  }
  return { ok: true, value: plate, energy, ...type };
}

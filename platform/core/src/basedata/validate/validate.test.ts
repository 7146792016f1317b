import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkCreditCode,
  checkIdNumber,
  checkMobile,
  checkPassport,
  checkPersonId,
  checkPlate,
  checkResidencePermit,
} from './index.ts';

// Independent reference implementations, written differently from the code under
// test (weights derived as 2^k mod 11 / 3^k mod 31, reduce instead of a loop) so
// the tests cannot share a bug with it.
const idCheck = (first17: string): string => {
  const sum = [...first17].reduce((acc, ch, i) => acc + Number(ch) * (2 ** (17 - i) % 11), 0);
  const v = (12 - (sum % 11)) % 11;
  return v === 10 ? 'X' : String(v);
};
const makeId = (region: string, birth: string, seq: string) =>
  `${region}${birth}${seq}${idCheck(region + birth + seq)}`;
const ALPHA = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const creditCheck = (first17: string): string => {
  const sum = [...first17].reduce((acc, ch, i) => acc + ALPHA.indexOf(ch) * (3 ** i % 31), 0);
  return ALPHA[(31 - (sum % 31)) % 31];
};
const TODAY = new Date(2024, 5, 15);

/** Asserts failure and that the Chinese and English reasons match the given patterns. */
function assertFail(r: { ok: boolean; zh?: string; en?: string }, zh: RegExp, en: RegExp) {
  assert.equal(r.ok, false);
  if (r.ok === false) {
    assert.match(r.zh ?? '', zh);
    assert.match(r.en ?? '', en);
  }
}

test('the reference implementation agrees with the GB 11643 example', () => {
  assert.equal(idCheck('11010519491231002'), 'X');
});

test('ID: the standard example is valid and derives birth date, gender, region', () => {
  const r = checkIdNumber(' 11010519491231002X ', TODAY);
  assert.deepEqual(r, {
    ok: true,
    value: '11010519491231002X',
    birthDate: '1949-12-31',
    gender: 'female',
    regionCode: '110105',
    upconverted: false,
  });
});

test('ID: lowercase x is normalised; odd 17th digit means male', () => {
  const r = checkIdNumber('11010519491231002x', TODAY);
  assert.equal(r.ok && r.value, '11010519491231002X');
  const male = checkIdNumber(makeId('330106', '19850704', '151'), TODAY);
  assert.equal(male.ok && male.gender, 'male');
});

test('ID: wrong check digit names the expected one', () => {
  const good = makeId('330106', '19850704', '152');
  const wrong = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
  assertFail(
    checkIdNumber(wrong, TODAY),
    new RegExp(`校验位错误，应为 ${good[17]}`),
    new RegExp(`expected ${good[17]}`),
  );
});

test('ID: birth-date rules (existence, leap years, range)', () => {
  assertFail(checkIdNumber(makeId('330106', '19990230', '001'), TODAY), /出生日期不存在/, /does not exist/);
  assertFail(checkIdNumber(makeId('330106', '19991301', '001'), TODAY), /出生日期不存在/, /does not exist/);
  const leap = checkIdNumber(makeId('330106', '20000229', '001'), TODAY);
  assert.equal(leap.ok && leap.birthDate, '2000-02-29');
  assertFail(checkIdNumber(makeId('330106', '19000229', '001'), TODAY), /出生日期不存在/, /does not exist/);
  assertFail(checkIdNumber(makeId('330106', '18991231', '001'), TODAY), /1900/, /before 1900/);
  assertFail(checkIdNumber(makeId('330106', '20240616', '001'), TODAY), /出生日期在未来/, /in the future/);
  assert.equal(checkIdNumber(makeId('330106', '20240615', '001'), TODAY).ok, true);
});

test('ID: structural errors', () => {
  assertFail(checkIdNumber('12345', TODAY), /18 位/, /got 5/);
  assertFail(checkIdNumber('3301061985070415A2', TODAY), /17 位数字/, /17 digits/);
  assertFail(checkIdNumber(makeId('990106', '19850704', '001'), TODAY), /99/, /province code/);
});

test('ID: legacy 15-digit numbers are up-converted', () => {
  const r = checkIdNumber('110105491231002', TODAY);
  assert.equal(r.ok && r.value, '11010519491231002X');
  assert.equal(r.ok && r.upconverted, true);
  assert.equal(r.ok && r.birthDate, '1949-12-31');
  assertFail(checkIdNumber('110105490230002', TODAY), /出生日期不存在/, /does not exist/);
});

test('residence permits for HK/Macau/Taiwan residents', () => {
  const hk = checkResidencePermit(makeId('810000', '19900101', '001'), TODAY);
  assert.equal(hk.ok && hk.origin, 'hong_kong');
  const tw = checkResidencePermit(makeId('830000', '19900101', '002'), TODAY);
  assert.equal(tw.ok && tw.origin, 'taiwan');
  assertFail(checkResidencePermit(makeId('330106', '19900101', '001'), TODAY), /810000/, /810000/);
  const bad = makeId('820000', '19900101', '003');
  assertFail(
    checkResidencePermit(`${bad.slice(0, 17)}${bad[17] === '5' ? '6' : '5'}`, TODAY),
    /校验位错误/,
    /check digit/,
  );
});

test('passports', () => {
  assert.deepEqual(checkPassport(' e12345678 '), { ok: true, value: 'E12345678', chineseOrdinary: true });
  const cn = checkPassport('EA1234567');
  assert.equal(cn.ok && cn.chineseOrdinary, true);
  const foreign = checkPassport('x1234');
  assert.equal(foreign.ok && foreign.value, 'X1234');
  assert.equal(foreign.ok && foreign.chineseOrdinary, false);
  assertFail(checkPassport('AB12'), /5 至 17/, /got 4/);
  assertFail(checkPassport('AB-12345'), /字母和数字/, /letters and digits/);
});

test('checkPersonId dispatches by document type', () => {
  assert.equal(checkPersonId('id_card', '11010519491231002X', TODAY).ok, true);
  assert.equal(checkPersonId('hk_macau_tw_permit', '11010519491231002X', TODAY).ok, false);
  assert.equal(checkPersonId('hk_macau_tw_permit', makeId('820000', '19900101', '001'), TODAY).ok, true);
  assert.equal(checkPersonId('passport', 'E12345678', TODAY).ok, true);
  assertFail(checkPersonId('driving_licence' as never, 'x', TODAY), /未知的证件类型/, /unknown/);
});

test('credit code: valid example, flipped check char, forbidden letters', () => {
  assert.equal(creditCheck('91350100M000100Y4'), '3');
  const r = checkCreditCode(' 91350100m000100y43 ');
  assert.deepEqual(r, {
    ok: true,
    value: '91350100M000100Y43',
    department: '市场监督管理（工商）',
    regionCode: '350100',
    organisationCode: 'M000100Y4',
  });
  assertFail(checkCreditCode('91350100M000100Y44'), /校验位错误，应为 3/, /expected 3/);
  assertFail(checkCreditCode('91350100M000I00Y43'), /非法字符“I”/, /"I"/);
  assertFail(checkCreditCode('91350100M00010Y43'), /18 位/, /got 17/);
  assertFail(checkCreditCode(`B1350100M000100Y4${creditCheck('B1350100M000100Y4')}`), /登记管理部门/, /department/);
  assertFail(checkCreditCode(`94350100M000100Y4${creditCheck('94350100M000100Y4')}`), /机构类别/, /institution type/);
  assertFail(checkCreditCode(`9135A100M000100Y4${creditCheck('9135A100M000100Y4')}`), /行政区划码/, /region code/);
  const ngo = `52330100MJ0000001${creditCheck('52330100MJ0000001')}`;
  assert.equal(checkCreditCode(ngo).ok, true);
});

test('mobile numbers', () => {
  assert.deepEqual(checkMobile(' +86 138-1234-5678 '), { ok: true, value: '13812345678', e164: '+8613812345678' });
  const intl = checkMobile('0086 13812345678');
  assert.equal(intl.ok && intl.value, '13812345678');
  assert.equal(checkMobile('8613812345678').ok, true);
  assertFail(checkMobile('12812345678'), /13–19/, /13 to 19/);
  assertFail(checkMobile('1381234567'), /11 位/, /got 10/);
  assertFail(checkMobile('+1 555 123 4567'), /\+86/, /\+86/);
  assertFail(checkMobile('138abc45678'), /数字/, /digits/);
});

test('plates: ordinary, new-energy, special', () => {
  assert.deepEqual(checkPlate('浙A12345'), {
    ok: true,
    value: '浙A12345',
    energy: 'fuel',
    kind: 'ordinary',
    defaultColour: 'blue',
  });
  const dotted = checkPlate(' 浙a·123b5 ');
  assert.equal(dotted.ok && dotted.value, '浙A123B5');
  const small = checkPlate('浙AD12345');
  assert.equal(small.ok && small.energy, 'new');
  assert.equal(small.ok && small.defaultColour, 'gradient_green');
  const large = checkPlate('浙A12345D');
  assert.equal(large.ok && large.kind, 'new_energy_large');
  assert.equal(large.ok && large.defaultColour, 'yellow_green');
  const hk = checkPlate('粤Z1234港');
  assert.equal(hk.ok && hk.defaultColour, 'black');
});

test('plates: rejections with specific reasons', () => {
  assertFail(checkPlate('浙AI2345'), /车牌号不能包含字母 I 或 O/, /I or O/);
  assertFail(checkPlate('浙A1234O'), /车牌号不能包含字母 I 或 O/, /I or O/);
  assertFail(checkPlate('浙A1234'), /7 位/, /got 6/);
  assertFail(checkPlate('XA12345'), /省份简称/, /province/);
  assertFail(checkPlate('浙112345'), /发牌机关/, /issuing-authority/);
  assertFail(checkPlate('浙AZ12345'), /新能源/, /new-energy/);
  assertFail(checkPlate('浙A1234DD'), /新能源/, /new-energy/);
});

test('plates: colour must fit the plate type', () => {
  assert.equal(checkPlate('浙AD12345', 'green').ok, true);
  assert.equal(checkPlate('浙A12345D', 'yellow_green').ok, true);
  assertFail(checkPlate('浙AD12345', 'blue'), /新能源车牌颜色/, /new-energy/);
  assertFail(checkPlate('浙A12345', 'gradient_green'), /仅用于新能源/, /only issued to new-energy/);
  assertFail(checkPlate('浙A12345', 'pink' as never), /未知的车牌颜色/, /unknown plate colour/);
  assert.equal(checkPlate('浙A12345', 'yellow').ok, true);
});

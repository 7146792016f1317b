// Strings of the government cockpit (驾驶舱).
export const cockpitZhCN = {
  'cockpit.community': '社区',
  'cockpit.noCommunity': '辖区内还没有社区',
  'cockpit.people': '登记人口',
  'cockpit.houses': '房屋',
  'cockpit.passesToday': '今日通行',
  'cockpit.vehiclesInside': '在场车辆',
  'cockpit.events': '事件动态',
  'cockpit.events.today': '今日 {n}',
  'cockpit.events.open': '未关闭 {n}',
  'cockpit.events.overdue': '超时 {n}',
  'cockpit.events.none': '暂无事件',
  'cockpit.events.late': '已超时',
  'cockpit.traffic': '{day} 通行',
  'cockpit.traffic.hourly': '每小时进入人次',
  'cockpit.ages': '年龄结构',
  'cockpit.ages.unknown': '未知',
} as const;

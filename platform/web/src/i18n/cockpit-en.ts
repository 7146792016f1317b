import type { cockpitZhCN } from './cockpit-zh-CN';

export const cockpitEn: Record<keyof typeof cockpitZhCN, string> = {
  'cockpit.community': 'Community',
  'cockpit.noCommunity': 'No community in your jurisdiction yet',
  'cockpit.people': 'Registered people',
  'cockpit.houses': 'Houses',
  'cockpit.passesToday': 'Passes today',
  'cockpit.vehiclesInside': 'Vehicles inside',
  'cockpit.events': 'Events',
  'cockpit.events.today': 'Today {n}',
  'cockpit.events.open': 'Open {n}',
  'cockpit.events.overdue': 'Overdue {n}',
  'cockpit.events.none': 'No events',
  'cockpit.events.late': 'Overdue',
  'cockpit.traffic': 'Traffic on {day}',
  'cockpit.traffic.hourly': 'Entries per hour',
  'cockpit.ages': 'Age bands',
  'cockpit.ages.unknown': 'Unknown',
};

import type { householdZhCN } from './household-zh-CN';

export const householdEn: Record<keyof typeof householdZhCN, string> = {
  'household.title': 'My household',
  'household.entry': 'My household',
  'household.entry.hint': 'Address, family, vehicles and my consents',
  'household.back': 'Back to "Me"',
  'household.hello': 'Hello, {name}',
  'household.address': '{compound}, Building {building}, Unit {unit}, Room {room}',
  'household.gridCode': 'Beidou grid code',
  'household.members': 'Household members',
  'household.me': 'Me',
  'household.vehicles': 'Household vehicles',
  'household.noVehicles': 'No vehicles registered',
  'household.noHomes':
    'No home is registered for you yet. If it should be, please contact the community office or the property management office.',
  'household.plate.blue': 'Blue plate',
  'household.plate.yellow': 'Yellow plate',
  'household.plate.black': 'Black plate',
  'household.plate.white': 'White plate',
  'household.plate.green': 'Green plate',
  'household.plate.yellow_green': 'Yellow-green plate',
  'household.plate.gradient_green': 'New-energy green plate',
  'household.unlinked.title': 'We have not found your resident record yet',
  'household.unlinked.body':
    'The phone number you signed in with is not on a resident record of this community yet, so your household cannot be shown here. Please bring your ID card to the community office or the property management office and have your phone number registered; then open this page again.',
  'household.consents': 'My consents',
  'household.consents.hint':
    'What you have agreed the community may use your personal data for. A withdrawn consent is no longer used and stays on record.',
  'household.consents.empty': 'You have no consent records',
  'household.consent.categories': 'Data concerned',
  'household.consent.grantedAt': 'Granted',
  'household.consent.channel': 'Recorded via',
  'household.consent.active': 'Active',
  'household.consent.withdrawn': 'Withdrawn',
  'household.consent.withdrawnAt': 'Withdrawn {time}',
  'household.consent.withdraw': 'Withdraw consent',
  'household.withdraw.title': 'Withdraw this consent?',
  'household.withdraw.effect':
    'After withdrawing, the community and its service partners will no longer use your {categories} for "{purpose}".',
  'household.withdraw.kept':
    'The withdrawal is recorded and you can always see it here. To consent again later, please contact the community.',
  'household.withdraw.ok': 'Withdraw',
  'household.withdraw.cancel': 'Keep it',
  'household.withdraw.done': 'Consent withdrawn',
};

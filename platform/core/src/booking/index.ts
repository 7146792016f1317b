export * from './bookings.ts';
export * from './checkin.ts';
export * from './settings.ts';
export { bookingZone, formatLocal, parseDay, slotsOfDay, weekOf } from './slots.ts';

// Small-group suppression of health figures, shared by the IoT warehouse's checkup aggregates and the gates' fever
// counts: a reader without access to personal health data sees no figure of a group small enough to point at someone.

/**
 * The smallest group of people whose health figures a reader without access to personal health data may see. A day
 * on which fewer people were checked would tell whoever knows who went to the kiosk (or the gate) that day how they
 * are.
 */
export const healthMinGroup = 5;

/**
 * Which days' health figures to withhold so that no group smaller than `k` people can be read or worked out. Days
 * with fewer than `k` people are withheld; and because the range's totals are shown, the withheld days together can
 * be worked out by subtraction, so while they hold fewer than `k` distinct people the smallest shown day is withheld
 * with them (secondary suppression). `refs` are the distinct people of each day (opaque refs, never returned).
 */
export function withheldDays(days: ReadonlyArray<{ day: string; refs: readonly string[] }>, k: number): Set<string> {
  const withheld = new Set(days.filter((d) => d.refs.length < k).map((d) => d.day));
  const people = () => new Set(days.filter((d) => withheld.has(d.day)).flatMap((d) => d.refs)).size;
  while (withheld.size > 0 && withheld.size < days.length && people() < k) {
    const shown = days.filter((d) => !withheld.has(d.day));
    const smallest = shown.reduce((a, b) => (b.refs.length < a.refs.length ? b : a));
    withheld.add(smallest.day);
  }
  return withheld;
}

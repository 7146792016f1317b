import { type DeviceTopic, filterCovered, parseTopic, topicMatches } from '../alink/topics.ts';
import type { AccountSession } from './authenticator.ts';

/** Which community each product belongs to, as far as the gateway has seen (devices connected, commands sent). */
export type ProductCommunities = Map<string, string>;

/**
 * Whether an application account may see or send a device topic's product: its own community only, and its
 * product list when it has one. Topics outside the Alink layout belong to no product.
 */
export function productAllowed(a: AccountSession, parsed: DeviceTopic | null, products: ProductCommunities): boolean {
  if (!parsed) return true;
  if (a.productKeys.length && !a.productKeys.includes(parsed.productKey)) return false;
  return products.get(parsed.productKey) === a.communityId;
}

/** Topics only a device itself may publish: an account writing them would pass for the device. */
const uplinkKinds = new Set(['property-post', 'event-post', 'raw-up', 'reply', 'shadow', 'sys-other']);

/**
 * An account publishes to a topic its ACL names, for a product of its community, and never in a device's name
 * (uplink topics stay the device's own whatever the ACL says).
 */
export function accountMayPublish(a: AccountSession, topic: string, products: ProductCommunities): boolean {
  const parsed = parseTopic(topic);
  if (parsed && uplinkKinds.has(parsed.kind)) return false;
  return a.topics.some((p) => topicMatches(p, topic)) && productAllowed(a, parsed, products);
}

/** An account subscribes with a filter that asks for nothing beyond one of its patterns. */
export function accountMaySubscribe(a: AccountSession, filter: string): boolean {
  return a.topics.some((p) => filterCovered(p, filter));
}

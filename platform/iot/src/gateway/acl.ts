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

/** An account publishes to a topic its ACL names, for a product of its community. */
export function accountMayPublish(a: AccountSession, topic: string, products: ProductCommunities): boolean {
  return a.topics.some((p) => topicMatches(p, topic)) && productAllowed(a, parseTopic(topic), products);
}

/** An account subscribes with a filter that asks for nothing beyond one of its patterns. */
export function accountMaySubscribe(a: AccountSession, filter: string): boolean {
  return a.topics.some((p) => filterCovered(p, filter));
}

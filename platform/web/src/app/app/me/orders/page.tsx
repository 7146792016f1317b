'use client';

import { MyOrders } from '@/components/payment/my-orders';
import { WithCommunity } from '@/components/with-community';

export default function ResidentOrdersPage() {
  return <WithCommunity>{(community) => <MyOrders community={community} />}</WithCommunity>;
}

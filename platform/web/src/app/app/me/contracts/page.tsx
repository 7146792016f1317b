'use client';

import { ContractsView } from '@/components/esign/contracts-view';
import { WithCommunity } from '@/components/with-community';

/** 待签合同: the resident's contracts to read and sign. */
export default function ResidentContracts() {
  return <WithCommunity>{(community) => <ContractsView community={community} />}</WithCommunity>;
}

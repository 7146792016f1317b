'use client';

import { ReportForm } from '@/components/events/report-form';
import { WithCommunity } from '@/components/with-community';

/** 上报事件: a resident reports with photos and a location. */
export default function ResidentReportEvent() {
  return <WithCommunity>{(community) => <ReportForm community={community} />}</WithCommunity>;
}

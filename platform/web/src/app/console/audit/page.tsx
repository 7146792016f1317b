'use client';

import { AuditTable } from '@/components/audit/audit-table';
import { PageHeading } from '@/components/page-heading';

export default function AuditPage() {
  return (
    <>
      <PageHeading titleKey="nav.audit" />
      <AuditTable />
    </>
  );
}

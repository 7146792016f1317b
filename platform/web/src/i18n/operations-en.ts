import type { operationsZhCN } from './operations-zh-CN';

export const operationsEn: Record<keyof typeof operationsZhCN, string> = {
  'shell.operations': 'App operations',
  'operations.title': 'App operations',
  'operations.hint':
    'Installs, active users, calls, errors, latency and ratings of the apps in your jurisdiction (aggregates only, no personal data).',
  'operations.month': 'Month',
  'operations.export': 'Export CSV',
  'operations.app': 'App',
  'operations.community': 'Community',
  'operations.installs': 'Installs (enabled/all)',
  'operations.version': 'Version',
  'operations.state': 'State',
  'operations.state.enabled': 'Enabled',
  'operations.state.disabled': 'Disabled',
  'operations.state.none': 'Not installed',
  'operations.activeUsers': 'Active users',
  'operations.calls': 'Calls',
  'operations.errors': 'Errors',
  'operations.errorRate': 'Error rate',
  'operations.p95': 'p95 latency (ms)',
  'operations.rating': 'Average rating (count)',
  'operations.empty': 'No app operations figures in your jurisdiction this month',
};

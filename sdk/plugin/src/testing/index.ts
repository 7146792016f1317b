export type { Fake, RecordedCall } from './fakes.ts';
export {
  bookingFakes,
  defaultDataFakes,
  defaultServiceFakes,
  EsignFakeStore,
  esignFakes,
  eventsFakes,
  pointsFakes,
} from './fakes.ts';
export {
  type CallOptions,
  createTestHost,
  type TestCaller,
  type TestGrants,
  type TestHost,
  type TestHostOptions,
  testUsers,
} from './test-host.ts';

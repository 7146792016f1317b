export type { Fake, RecordedCall } from './fakes.ts';
export {
  accessFakes,
  bookingFakes,
  createPaymentFakes,
  defaultDataFakes,
  defaultServiceFakes,
  deviceFakes,
  EsignFakeStore,
  esignFakes,
  eventsFakes,
  paymentFakes,
  pointsFakes,
} from './fakes.ts';
export { defaultTestRunLimits, runPackagedTests, type TestRunLimits, type TestRunResult } from './run-tests.ts';
export {
  type CallOptions,
  createTestHost,
  type TestCaller,
  type TestGrants,
  type TestHost,
  type TestHostOptions,
  testUsers,
} from './test-host.ts';

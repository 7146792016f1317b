export { CodecSandbox, codecBundle, codecSandboxLimits } from './codec/codec-sandbox.ts';
export { type BridgeEnv, bridgeFor, type HttpAnswer } from './host/bridge.ts';
export { checkCall } from './host/check-call.ts';
export { Collections, MemoryRecordStore, type RecordStore, SqlRecordStore } from './host/collections.ts';
export {
  HandlerMetrics,
  latencyBounds,
  type MetricSummary,
  metricsRetentionDays,
  purgeHandlerMetrics,
  quantileMs,
  readHandlerMetrics,
} from './host/metrics.ts';
export {
  failureToError,
  type HostOptions,
  type InstallRow,
  type InvokeInput,
  PluginHost,
  type PluginPackage,
} from './host/plugin-host.ts';
export { type CollectionQuery, collectionQuery, runQuery, type StoredRecord } from './host/query.ts';
export {
  type BridgeCall,
  type Capabilities,
  type CapabilityAction,
  coreCapabilities,
  missingCapabilities,
} from './host/services.ts';
export { installPluginMany } from './install-many.ts';
export { assertNotKilled } from './killed.ts';
export * from './lifecycle.ts';
export type { Actor } from './lifecycle-events.ts';
export {
  checkEntryName,
  defaultMaxPackageBytes,
  type PackageFiles,
  type PackageSignature,
  packageEntries,
  packPlugin,
  type UnpackedPackage,
  type UnpackOptions,
  unpackPlugin,
} from './package/archive.ts';
export {
  canonicalDigestText,
  generatePublisherKey,
  keyFingerprint,
  packageDigests,
  publicKeyText,
  type SignedBy,
  signPackage,
  verifyPackage,
} from './package/signature.ts';
export { openPluginRuntime, type PluginRuntime } from './runtime.ts';
export {
  type BridgeHandler,
  type InvokeOutcome,
  type InvokeRequest,
  type PoolOptions,
  SandboxPool,
} from './sandbox/pool.ts';
export { defaultLimits, type GuestFailure, type LogLine, type SandboxLimits } from './sandbox/protocol.ts';
export { cronProblem, jobTimeZone, runDueJobs, startJobs, startSubscriptions } from './triggers.ts';
export { escalationOf, type UpgradeReport, upgradePlugin } from './upgrade.ts';

export {
  type BridgeHandler,
  type InvokeOutcome,
  type InvokeRequest,
  type PoolOptions,
  SandboxPool,
} from './sandbox/pool.ts';
export { defaultLimits, type GuestFailure, type LogLine, type SandboxLimits } from './sandbox/protocol.ts';

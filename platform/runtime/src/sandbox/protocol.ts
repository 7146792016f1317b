/** Limits applied to every invocation; the defaults suit a community-scale app. */
export interface SandboxLimits {
  /** CPU time the isolate may spend on one invocation. */
  cpuMs: number;
  /** Wall time from the call to its answer, bridge calls included. */
  wallMs: number;
  /** Heap limit of each isolate, in MB. */
  memoryMb: number;
  /** Bridge calls one invocation may make. */
  maxBridgeCalls: number;
  /** Size of an input, a result or one bridge payload, in bytes of JSON. */
  maxPayloadBytes: number;
}

export const defaultLimits: SandboxLimits = {
  cpuMs: 1000,
  wallMs: 10_000,
  memoryMb: 64,
  maxBridgeCalls: 200,
  maxPayloadBytes: 1024 * 1024,
};

/** Why an invocation failed, as the sandbox saw it. `app` errors were thrown on purpose by the plugin with a code. */
export interface GuestFailure {
  kind:
    | 'app'
    | 'bridge'
    | 'error'
    | 'thrown'
    | 'missing'
    | 'cpu'
    | 'memory'
    | 'timeout'
    | 'payload'
    | 'bridge-flood'
    | 'crash';
  message: string;
  code?: string;
  zh?: string;
  en?: string;
  fieldErrors?: Record<string, string[]>;
}

export type LogLine = [level: 'info' | 'warn' | 'error', text: string];

export type ToWorker =
  | {
      t: 'invoke';
      id: number;
      key: string;
      /** The bundle, sent only when the worker has not loaded this key yet. */
      code?: string;
      context: string;
      handler: string;
      input: string;
      meta: string;
      limits: SandboxLimits;
    }
  | { t: 'bridge-result'; callId: number; ok: boolean; value?: string; error?: GuestFailure }
  | { t: 'unload'; key: string }
  | { t: 'stats'; id: number };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'result'; id: number; ok: true; value: string; logs: LogLine[]; cpuUs: number }
  | { t: 'result'; id: number; ok: false; error: GuestFailure; logs: LogLine[]; cpuUs: number }
  | { t: 'bridge'; id: number; callId: number; op: string; args: string }
  | { t: 'stats'; id: number; isolates: number; contexts: number; heapBytes: number; rssBytes: number };

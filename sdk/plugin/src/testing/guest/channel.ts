/**
 * The one way out of the sandboxed test run: `ctx.services.__tests.*`, answered by the platform's runner
 * (run-tests.ts) rather than by a real service. runner.ts sets it before the first test runs.
 */
export type Channel = (action: string, args: unknown) => Promise<unknown>;

let channel: Channel | undefined;

export function setChannel(c: Channel): void {
  channel = c;
}

export function send<T>(action: string, args: unknown): Promise<T> {
  if (!channel) throw new Error('the test host is only available while the tests run');
  return channel(action, args) as Promise<T>;
}

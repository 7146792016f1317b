/**
 * Reply codes in the `_reply` payload. 200 and 460 are Alink's own (success, request parameter error); the rest
 * follow HTTP so integrators read them without a table.
 */
export const replyCodes = {
  OK: 200,
  BAD_REQUEST: 400,
  TOO_LARGE: 413,
  INVALID_PARAMS: 460,
  TIMEOUT: 504,
  UNAVAILABLE: 503,
} as const;

export interface ReplyPayload {
  id: string;
  code: number;
  message: string;
  data: unknown;
}

export const reply = (id: string, code: number, message: string, data: unknown = {}): ReplyPayload => ({
  id,
  code,
  message,
  data,
});

// The signed open API (/open/v1) through the web origin too, for deployments that expose one address: the same
// gateway as /api/*, bodies streamed untouched so signatures over them still verify.
export const dynamic = 'force-dynamic';
export { GET, HEAD, POST } from '../../api/[...path]/route';

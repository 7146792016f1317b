// The codec the raw-data tests load into a power meter product (see schemas/iot/models/power-meter.json).
// Uplink frames: 0x01 power(u16, 1/100 kW) relay(u8) id(u16) — a property post; 0x02 power(u8) — an overload event;
// 0x10 code(u8) id(ascii…) — the reply to a downlink. Hostile frames: 0xff loops, 0xfe allocates, 0xfd throws.
// Downlink: property set → 0x20 relay(u8) id(ascii…); setRelay → 0x21 closed(u8) id(ascii…); post replies → 0x30 ok(u8).
export const meterCodec = `
function ascii(s) { var out = []; for (var i = 0; i < s.length; i++) out.push(s.charCodeAt(i)); return out; }
function text(bytes, from) { var s = ''; for (var i = from; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); return s; }
function rawDataToProtocol(bytes, meta) {
  var type = bytes[0] & 0xff;
  if (type === 0x01) {
    return {
      method: 'thing.event.property.post',
      id: String((bytes[4] << 8) | bytes[5]),
      version: '1.0',
      params: { activePower: ((bytes[1] << 8) | bytes[2]) / 100, relay: bytes[3] },
    };
  }
  if (type === 0x02) return { method: 'thing.event.overload.post', id: String(meta && meta.fPort || 1), params: { value: { activePower: bytes[1] } } };
  if (type === 0x10) return { id: text(bytes, 2), code: bytes[1] === 0 ? 200 : 500, data: {} };
  if (type === 0xff) { for (;;) {} }
  if (type === 0xfe) { var keep = []; for (;;) keep.push(new Array(100000).fill(type)); }
  if (type === 0xfd) throw new Error('frame 0xfd is not for us');
  throw new Error('unknown frame ' + type);
}
function protocolToRawData(json) {
  if (json.method === 'thing.service.property.set') return [0x20, json.params.relay ? 1 : 0].concat(ascii(json.id));
  if (json.method === 'thing.service.setRelay') return [0x21, json.params.closed ? 1 : 0].concat(ascii(json.id));
  if (json.method === 'thing.event.property.post') return new Uint8Array([0x30, json.code === 200 ? 0 : 1]);
  return null;
}
`;

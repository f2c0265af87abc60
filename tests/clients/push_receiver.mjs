// A Web Push service for kith's push tests: it stands where a browser
// vendor's push service would, and checks each push as that service and
// the subscribed app would, with code that is not kith's: http_ece
// decrypts, node:crypto verifies the VAPID token.
//
// It prints {"port": N} once listening on 127.0.0.1, then serves:
//   POST /control/subscriber  {"name", "vapid", "subject", "plan": [{"status", "retryAfter"}]}
//                             makes the subscriber's P-256 key and auth
//                             secret, answers {"p256dh", "auth"} (base64url);
//                             "plan" lists the answers to give before 201s
//   POST /push/NAME           a push for NAME: checked, logged, answered
//   GET  /control/log?name=N  what N received: [{"at", "status", "encoding",
//                             "payload", "problems"}]
import http from 'node:http';
import crypto from 'node:crypto';
import ece from 'http_ece';

const subscribers = new Map();

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1 << 20) reject(new Error('body too large'));
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// params splits "a=1;b=2" or "a=1, b=2".
function params(header, sep) {
  const out = {};
  for (const part of (header || '').split(sep)) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

// checkToken verifies the VAPID JWT and returns its problems.
function checkToken(token, key, sub, origin) {
  const problems = [];
  if (key !== sub.vapid) problems.push(`the request names key ${key}, not the announced ${sub.vapid}`);
  const parts = (token || '').split('.');
  if (parts.length !== 3) return [...problems, 'the token is not a JWS'];
  const header = JSON.parse(Buffer.from(parts[0], 'base64url'));
  if (header.alg !== 'ES256') problems.push(`alg ${header.alg}`);
  const raw = Buffer.from(sub.vapid, 'base64url');
  const jwk = { kty: 'EC', crv: 'P-256', x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33, 65)) };
  const ok = crypto.verify('sha256', Buffer.from(parts[0] + '.' + parts[1]),
    { key: crypto.createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(parts[2], 'base64url'));
  if (!ok) problems.push('the token signature does not verify with the announced key');
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  if (claims.aud !== origin) problems.push(`aud ${claims.aud}, want ${origin}`);
  if (claims.sub !== sub.subject) problems.push(`sub ${claims.sub}, want ${sub.subject}`);
  const now = Date.now() / 1000;
  if (!(claims.exp > now) || claims.exp > now + 24 * 3600) problems.push(`exp ${claims.exp} is not within 24 h of ${now}`);
  return problems;
}

// receive checks one push and returns what the log keeps of it.
function receive(sub, req, body, origin) {
  const h = req.headers;
  const entry = { at: Date.now(), encoding: h['content-encoding'], problems: [], payload: null };
  if (!/^\d+$/.test(h.ttl || '')) entry.problems.push(`TTL ${h.ttl}`);
  if (!['very-low', 'low', 'normal', 'high'].includes(h.urgency)) entry.problems.push(`Urgency ${h.urgency}`);
  if (h['content-type'] !== 'application/octet-stream') entry.problems.push(`Content-Type ${h['content-type']}`);
  let plain;
  try {
    if (h['content-encoding'] === 'aes128gcm') {
      const auth = params(h.authorization?.replace(/^vapid /, ''), ',');
      if (!h.authorization?.startsWith('vapid ')) entry.problems.push(`Authorization ${h.authorization}`);
      entry.problems.push(...checkToken(auth.t, auth.k, sub, origin));
      plain = ece.decrypt(body, { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.auth });
    } else if (h['content-encoding'] === 'aesgcm') {
      const keys = params(h['crypto-key'], ';');
      if (!h.authorization?.startsWith('WebPush ')) entry.problems.push(`Authorization ${h.authorization}`);
      entry.problems.push(...checkToken(h.authorization?.slice('WebPush '.length), keys.p256ecdsa, sub, origin));
      plain = ece.decrypt(body, {
        version: 'aesgcm', privateKey: sub.ecdh, authSecret: sub.auth,
        dh: keys.dh, salt: params(h.encryption, ';').salt,
      });
    } else {
      entry.problems.push(`Content-Encoding ${h['content-encoding']}`);
    }
    if (plain) entry.payload = JSON.parse(plain.toString('utf8'));
  } catch (e) {
    entry.problems.push(`cannot read the push: ${e.message}`);
  }
  return entry;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const send = (status, obj, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(obj === undefined ? '' : JSON.stringify(obj));
  };
  try {
    const body = await readBody(req);
    if (req.method === 'POST' && url.pathname === '/control/subscriber') {
      const p = JSON.parse(body);
      const ecdh = crypto.createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = b64url(crypto.randomBytes(16));
      subscribers.set(p.name, { ecdh, auth, vapid: p.vapid, subject: p.subject, plan: p.plan || [], log: [] });
      return send(200, { p256dh: b64url(ecdh.getPublicKey()), auth });
    }
    if (req.method === 'GET' && url.pathname === '/control/log') {
      return send(200, subscribers.get(url.searchParams.get('name'))?.log || []);
    }
    const m = url.pathname.match(/^\/push\/([\w-]+)$/);
    if (req.method === 'POST' && m && subscribers.has(m[1])) {
      const sub = subscribers.get(m[1]);
      const entry = receive(sub, req, body, `http://${req.headers.host}`);
      const answer = sub.plan.shift() || { status: 201 };
      entry.status = answer.status;
      sub.log.push(entry);
      const headers = answer.retryAfter ? { 'Retry-After': String(answer.retryAfter) } : {};
      return send(answer.status, undefined, headers);
    }
    send(404, { error: 'unknown endpoint' });
  } catch (e) {
    send(400, { error: e.message });
  }
});

server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
});

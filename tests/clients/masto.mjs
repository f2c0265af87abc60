// Drives kith with masto.js (npm masto@8), as a web or Node app would:
//
//   node --experimental-websocket masto.mjs http://127.0.0.1:PORT TOKEN
//
// masto declares Node >= 22. On Node 20 its REST client works; its
// streaming client needs the WebSocket that --experimental-websocket turns
// on and Promise.withResolvers (ES2024, Node 22), defined below.
//
// Each step is recorded in one JSON object printed on stdout: a step that
// worked holds what the test checks, one that failed holds "error" with the
// request and kith's answer. The run goes on after a failed step where later
// steps do not need its result, so one run reports every failure. The Go
// test (clients_test.go) decides what passed.
import { createRestAPIClient, createStreamingAPIClient } from "masto";

Promise.withResolvers ??= function withResolvers() {
  let resolve, reject;
  const promise = new this((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
};

const [url, accessToken] = process.argv.slice(2);
const out = {};

async function step(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = { error: describe(e) };
  }
  return out[name];
}

// describe names the request that failed and what kith said, where masto
// kept them.
function describe(e) {
  const parts = [e.name ?? "Error", e.message];
  if (e.statusCode) parts.push(`status ${e.statusCode}`);
  if (e.description) parts.push(e.description);
  if (e.cause) parts.push(`cause: ${e.cause.message ?? e.cause}`);
  return parts.join(": ");
}

const rest = createRestAPIClient({ url, accessToken });

await step("verify_credentials", async () => {
  const me = await rest.v1.accounts.verifyCredentials();
  return { id: me.id, username: me.username, acct: me.acct };
});

const posted = await step("status_create", async () => {
  const s = await rest.v1.statuses.create({ status: "hello from masto.js" });
  return { id: s.id, content: s.content, visibility: s.visibility };
});

await step("timeline_home", async () => {
  const page = await rest.v1.timelines.home.list({ limit: 20 });
  return { ids: page.map((s) => s.id) };
});

if (posted.id) {
  await step("favourite", async () => {
    const s = await rest.v1.statuses.$select(posted.id).favourite();
    return { id: s.id, favourited: s.favourited, favouritesCount: s.favouritesCount };
  });
}

const instance = await step("instance", async () => {
  const i = await rest.v2.instance.fetch();
  return {
    domain: i.domain,
    version: i.version,
    streaming: i.configuration?.urls?.streaming,
    maxCharacters: i.configuration?.statuses?.maxCharacters,
  };
});

await step("streaming", () => stream(instance.streaming));

console.log(JSON.stringify(out));

// stream subscribes to the user stream over WebSocket and waits for the
// update of a status posted after subscribing. The socket class below tells
// when masto has sent its subscribe message; Mastodon's protocol
// acknowledges nothing, so kith may still see the post first: then the
// script posts again, up to three times.
async function stream(streamingApiUrl) {
  if (!streamingApiUrl) {
    return { error: "v2 instance has no configuration.urls.streaming" };
  }
  const endpoint = new URL("/api/v1/streaming", streamingApiUrl);
  const opened = await canOpen(endpoint);
  if (opened !== true) {
    // A WebSocket reports a refused upgrade only as a failed connection;
    // ask plainly what kith answers there.
    const res = await fetch(new URL("/api/v1/streaming", url), {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    await res.body?.cancel();
    if (res.status === 404) {
      return { skipped: "GET /api/v1/streaming answers 404: kith has no WebSocket streaming endpoint" };
    }
    return { error: `WebSocket to ${endpoint} failed (${opened}); a plain GET answers ${res.status}` };
  }
  let subscribed;
  const sent = new Promise((resolve) => { subscribed = resolve; });
  class SocketTellingSends extends WebSocket {
    send(data) {
      super.send(data);
      if (JSON.parse(data).type === "subscribe") subscribed();
    }
  }
  const streaming = createStreamingAPIClient({
    streamingApiUrl, accessToken, retry: 3, implementation: SocketTellingSends,
  });
  try {
    const updates = streaming.user.subscribe()[Symbol.asyncIterator]();
    const posted = [];
    // Read the stream while posting; a failed read is reported when awaited.
    const read = () => updates.next().catch((e) => ({ failed: e }));
    let next = read();
    if (await Promise.race([sent, timeout(5000)]) === "timeout") {
      return { error: "masto sent no subscribe message within 5s" };
    }
    for (let attempt = 1; attempt <= 3; attempt++) {
      const s = await rest.v1.statuses.create({ status: `streamed from masto.js (${attempt})` });
      posted.push(s.id);
      for (;;) {
        const got = await Promise.race([next, timeout(5000)]);
        if (got === "timeout") break;
        if (got.failed) throw got.failed;
        if (got.done) return { error: "the stream ended", posted };
        next = read();
        const event = got.value;
        if (event.event === "update" && posted.includes(event.payload?.id)) {
          return { event: event.event, stream: event.stream, received: event.payload.id, posted };
        }
      }
    }
    return { error: `no update event within 5s of each of ${posted.length} posts`, posted };
  } finally {
    streaming.close();
  }
}

// canOpen reports whether a WebSocket to endpoint opens with the token as
// its protocol, as masto sends it: true, or why not.
function canOpen(endpoint) {
  return new Promise((resolve) => {
    const ws = new WebSocket(endpoint, [accessToken]);
    const timer = setTimeout(() => { ws.close(); resolve("no answer in 5s"); }, 5000);
    ws.onopen = () => { clearTimeout(timer); ws.close(); resolve(true); };
    ws.onerror = (e) => { clearTimeout(timer); resolve(e.message || "error event"); };
  });
}

function timeout(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms, "timeout").unref());
}

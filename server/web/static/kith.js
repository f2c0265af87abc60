// kith.js: optional enhancements for the owner's pages. Every page works
// without it; with it, a post's buttons act in place and /home and
// /notifications say when something new arrives.
"use strict";

// A post's buttons: post the form as the browser would, then swap the
// post for its new state from the page the server answers with.
document.addEventListener("submit", async (event) => {
  const form = event.target, article = form.closest("article.status");
  if (!article || !form.closest(".status-actions") || form.dataset.plain) return;
  event.preventDefault();
  const button = event.submitter;
  const buttons = [...form.querySelectorAll("button")];
  const index = buttons.indexOf(button);
  const focused = form.contains(document.activeElement);
  form.setAttribute("aria-busy", "true");
  try {
    // Not form.action: the buttons named "action" shadow it.
    const res = await fetch(form.getAttribute("action"), { method: "POST", body: new FormData(form, button), credentials: "same-origin" });
    if (!res.ok) throw new Error(`status ${res.status}`);
    const page = new DOMParser().parseFromString(await res.text(), "text/html");
    const fresh = page.getElementById(article.id);
    if (!fresh) {
      article.remove(); // deleted, or no longer on this page (unbookmarked)
      return;
    }
    article.replaceWith(fresh);
    if (focused) fresh.querySelectorAll(".status-actions form button")[index]?.focus();
  } catch {
    // Let the browser do it, and show whatever the server says.
    form.removeAttribute("aria-busy");
    form.dataset.plain = "1";
    form.requestSubmit(button);
  }
});

// A post's Delete is a link to a page that asks first; here the question
// is a dialog, and the post's form deletes it in place. On the post's own
// page (its thread or permalink) the form is sent as it is, so the
// browser follows the server elsewhere.
document.addEventListener("click", (event) => {
  const link = event.target.closest?.(".status-actions a[data-confirm]");
  const form = link?.closest("form");
  if (!form || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  if (!confirm(link.dataset.confirm)) return;
  const id = new URL(link.href).pathname.split("/")[2];
  if (link.closest("article.status.focus") || location.pathname.endsWith(`/${id}`)) form.dataset.plain = "1";
  const button = document.createElement("button");
  button.name = "action";
  button.value = "delete";
  button.hidden = true;
  form.append(button);
  form.requestSubmit(button);
});

// Live banner: the first page of home or notifications listens to the
// session's event stream and counts what arrived since it was loaded.
const live = { "/home": ["update", "post"], "/notifications": ["notification", "notification"] }[location.pathname];
if (live && !/[?&](max_id|min_id)=/.test(location.search)) {
  const [kind, noun] = live;
  const region = document.createElement("div");
  region.className = "live";
  region.setAttribute("aria-live", "polite");
  document.querySelector("main")?.prepend(region);
  let count = 0, source = null;
  const open = () => {
    source = new EventSource("/home/events");
    source.onopen = () => (region.dataset.open = "1");
    source.addEventListener(kind, () => {
      count++;
      const p = document.createElement("p"), a = document.createElement("a");
      p.className = "notice";
      a.href = location.pathname;
      a.textContent = "Show";
      p.append(`${count} new ${noun}${count === 1 ? "" : "s"} — `, a);
      region.replaceChildren(p);
    });
  };
  open();
  addEventListener("pagehide", () => {
    source?.close();
    delete region.dataset.open;
  });
  addEventListener("pageshow", (e) => e.persisted && open());
}

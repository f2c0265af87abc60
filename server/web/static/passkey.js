// passkey.js: the passkey ceremonies of the sign-in and two-factor
// settings pages. Each ceremony is a form inside a hidden
// div[data-passkey="login"|"register"], shown only where the browser has
// WebAuthn. Submitting it posts the form to its action (begin), which
// answers the WebAuthn options; the browser asks the authenticator; the
// result goes to data-finish with the form's csrf_token and step, and the
// answer names the page to go to. Errors show in the form's
// [data-passkey-error]. Every other part of these pages works without
// this script.
"use strict";

// b64url and unb64url convert between ArrayBuffers and the unpadded
// base64url strings WebAuthn's JSON forms use.
const b64url = (buf) =>
  btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64url = (s) =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), (c) => c.charCodeAt(0)).buffer;

// creationOptions and requestOptions turn the server's JSON into what
// navigator.credentials.create and get take.
function creationOptions(pk) {
  return {
    ...pk,
    challenge: unb64url(pk.challenge),
    user: { ...pk.user, id: unb64url(pk.user.id) },
    excludeCredentials: (pk.excludeCredentials ?? []).map((c) => ({ ...c, id: unb64url(c.id) })),
  };
}
function requestOptions(pk) {
  return {
    ...pk,
    challenge: unb64url(pk.challenge),
    allowCredentials: (pk.allowCredentials ?? []).map((c) => ({ ...c, id: unb64url(c.id) })),
  };
}

// credentialJSON is a PublicKeyCredential as the server reads it.
function credentialJSON(cred) {
  const r = cred.response, out = {
    id: cred.id,
    rawId: b64url(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
    clientExtensionResults: cred.getClientExtensionResults(),
    response: { clientDataJSON: b64url(r.clientDataJSON) },
  };
  if (r.attestationObject) {
    out.response.attestationObject = b64url(r.attestationObject);
    out.response.transports = r.getTransports?.() ?? [];
  } else {
    out.response.authenticatorData = b64url(r.authenticatorData);
    out.response.signature = b64url(r.signature);
    if (r.userHandle) out.response.userHandle = b64url(r.userHandle);
  }
  return out;
}

// post sends a form's fields and returns the JSON answer, throwing its
// error message when the server refused.
async function post(url, body) {
  const res = await fetch(url, { method: "POST", body, credentials: "same-origin" });
  let answer = {};
  try {
    answer = await res.json();
  } catch {
    // not JSON: the generic message below
  }
  if (!res.ok) throw new Error(answer.error || `The server answered ${res.status}.`);
  return answer;
}

async function ceremony(kind, form) {
  const options = await post(form.getAttribute("action"), new FormData(form));
  const cred =
    kind === "register"
      ? await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) })
      : await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
  const finish = new FormData();
  finish.set("csrf_token", form.elements.csrf_token.value);
  if (form.elements.step) finish.set("step", form.elements.step.value);
  finish.set("credential", JSON.stringify(credentialJSON(cred)));
  const done = await post(form.dataset.finish, finish);
  location.assign(done.redirect);
}

if (window.PublicKeyCredential) {
  for (const box of document.querySelectorAll("div[data-passkey]")) {
    const form = box.querySelector("form");
    const error = form.querySelector("[data-passkey-error]");
    box.hidden = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      error.hidden = true;
      try {
        await ceremony(box.dataset.passkey, form);
      } catch (e) {
        // NotAllowedError: the person cancelled, or the time ran out.
        error.textContent = e.name === "NotAllowedError" ? "The passkey was not used. Try again." : e.message;
        error.hidden = false;
        button.disabled = false;
      }
    });
  }
}

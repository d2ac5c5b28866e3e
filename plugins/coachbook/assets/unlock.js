/*
 * Coachbook: unlock an encrypted private site in the browser.
 *
 * Every page of an encrypted Coachbook site is a small "locked" shell with a
 * passphrase form and a JSON envelope (<script id="coachbook-envelope">). This
 * script turns the passphrase back into the page, with WebCrypto only:
 *
 *   1. PBKDF2-HMAC-SHA256(passphrase, salt, iterations) gives a wrapping key;
 *   2. AES-256-GCM with it opens the site's random content key
 *      (AAD "coachbook/v1/key\n" + binding);
 *   3. AES-256-GCM with the content key opens the page
 *      (AAD "coachbook/v1\n" + binding + "\n" + page path).
 *
 * The page path comes from the address bar, not from the envelope, so a page
 * copied to another address does not decrypt there. The Python mirror of this
 * file is `decrypt_page` in coachbook/encryption.py; keep the two in step.
 *
 * After an unlock the content key (never the passphrase) is kept in
 * sessionStorage, so moving between pages of the site in the same tab does
 * not ask again, and it is gone when the tab closes. Only when the site
 * offers it ("remember": true) can the reader keep it in localStorage, and
 * then only for "remember_days" days. Each stored copy is
 * {"key", "salt", "expires"}: a copy whose salt is not this build's (the site
 * was rebuilt, for example with a rotated passphrase) or whose time is up is
 * removed unread. Every decrypted page has a "Lock this site" button
 * (lock.js) that removes both copies.
 *
 * A link may carry the passphrase in its fragment (#passphrase=...), which
 * browsers never send to the server. It is taken out of the address bar and
 * the history entry at once, before anything else, and used like a typed one.
 *
 * No build step, no dependencies, no request to any other origin.
 */
(function () {
  "use strict";

  const envelopeElement = document.getElementById("coachbook-envelope");
  const anyPath = document.documentElement.hasAttribute("data-any-path");
  const encoder = new TextEncoder();

  let envelope = null;
  try {
    envelope = JSON.parse(envelopeElement.textContent);
  } catch (error) {
    envelope = null;
  }

  const storageName = envelope ? "coachbook-key:" + envelope.binding : "";
  const rememberOffered = Boolean(envelope && envelope.remember === true);

  // --------------------------------------------------------------- storage

  const DAY_MS = 24 * 60 * 60 * 1000;

  function storages() {
    // localStorage only counts when the site offers "remember on this device";
    // a key left there from an earlier build that offered it is cleared below.
    return rememberOffered ? [sessionStorage, localStorage] : [sessionStorage];
  }

  // The key a stored copy holds, if it is this build's and its time is not up; null otherwise.
  function usableKey(value) {
    let stored = null;
    try {
      stored = JSON.parse(value);
    } catch (error) {
      return null;
    }
    if (!stored || typeof stored.key !== "string" || stored.salt !== envelope.salt) return null;
    if (stored.expires !== undefined && !(typeof stored.expires === "number" && stored.expires > Date.now())) {
      return null;
    }
    return fromBase64(stored.key);
  }

  function storedKey() {
    try {
      if (!rememberOffered) localStorage.removeItem(storageName);
      for (const storage of storages()) {
        const value = storage.getItem(storageName);
        if (!value) continue;
        const key = usableKey(value);
        if (key) return key;
        // Expired, from another build, or damaged: never tried, and gone.
        storage.removeItem(storageName);
      }
    } catch (error) {
      // Storage can be disabled (private mode, blocked cookies); then we just ask.
    }
    return null;
  }

  function keepKey(rawKey, remember) {
    try {
      const copy = { key: toBase64(rawKey), salt: envelope.salt };
      sessionStorage.setItem(storageName, JSON.stringify(copy));
      if (remember) {
        const days = Number.isInteger(envelope.remember_days) && envelope.remember_days > 0 ? envelope.remember_days : 30;
        copy.expires = Date.now() + days * DAY_MS;
        localStorage.setItem(storageName, JSON.stringify(copy));
      }
    } catch (error) {
      // Not being able to keep the key only means asking again on the next page.
    }
  }

  function forgetKey() {
    try {
      sessionStorage.removeItem(storageName);
      localStorage.removeItem(storageName);
    } catch (error) {
      // Nothing to forget if storage is unavailable.
    }
  }

  // A passphrase in the address (#passphrase=...), taken out of the address bar and this history entry
  // before anything else runs, so that it is neither shown, bookmarked nor shared from there.
  function passphraseFromAddress() {
    const prefix = "#passphrase=";
    if (!location.hash.startsWith(prefix)) return null;
    let passphrase = null;
    try {
      passphrase = decodeURIComponent(location.hash.slice(prefix.length));
    } catch (error) {
      passphrase = location.hash.slice(prefix.length);
    }
    try {
      history.replaceState(history.state, "", location.pathname + location.search);
    } catch (error) {
      location.hash = "";
    }
    return passphrase;
  }

  const addressPassphrase = envelope ? passphraseFromAddress() : null;

  // Hide the form while a stored key is tried, so it does not flash up on every page.
  if (envelope && storedKey()) document.documentElement.classList.add("cb-checking");

  // ---------------------------------------------------------------- crypto

  function fromBase64(text) {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  function toBase64(bytes) {
    return btoa(String.fromCharCode(...bytes));
  }

  // The page path the build bound this page to: the address relative to the
  // site root, with a trailing "index.html" dropped ("goals/index.html" and
  // "goals/" are both "goals/"). The 404 page is served at any address, so it
  // is always "404.html".
  function pagePath() {
    if (anyPath) return "404.html";
    const root = new URL(envelope.root, location.href).pathname;
    const here = location.pathname;
    if (!here.startsWith(root)) throw new Error("page is outside its site");
    const path = decodeURIComponent(here.slice(root.length));
    if (path === "index.html" || path.endsWith("/index.html")) return path.slice(0, -"index.html".length);
    return path;
  }

  async function unwrapContentKey(passphrase) {
    // The Python side normalises the passphrase the same way (NFC, trimmed).
    const secret = encoder.encode(passphrase.normalize("NFC").trim());
    const material = await crypto.subtle.importKey("raw", secret, "PBKDF2", false, ["deriveKey"]);
    const wrappingKey = await crypto.subtle.deriveKey(
      { name: "PBKDF2", hash: "SHA-256", salt: fromBase64(envelope.salt), iterations: envelope.iterations },
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["decrypt"],
    );
    const rawKey = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: fromBase64(envelope.key_nonce),
        additionalData: encoder.encode("coachbook/v1/key\n" + envelope.binding),
      },
      wrappingKey,
      fromBase64(envelope.key_ciphertext),
    );
    return new Uint8Array(rawKey);
  }

  async function decryptPage(rawKey) {
    const key = await crypto.subtle.importKey("raw", rawKey, "AES-GCM", false, ["decrypt"]);
    const plain = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: fromBase64(envelope.nonce),
        additionalData: encoder.encode("coachbook/v1\n" + envelope.binding + "\n" + pagePath()),
      },
      key,
      fromBase64(envelope.ciphertext),
    );
    // fatal: a page that is not valid UTF-8 is damaged, not something to show.
    return new TextDecoder("utf-8", { fatal: true }).decode(plain);
  }

  // Replace the shell with the real page. document.write (rather than
  // innerHTML) makes the browser parse it as a fresh document, so the page's
  // own stylesheets and scripts load and run as if it had been served plain.
  function render(html) {
    document.open();
    document.write(html);
    document.close();
  }

  // -------------------------------------------------------------------- UI

  // What to say, in the page's language: the locked page carries each message on its form (data-*); the
  // English here is for a page that does not.
  function say(name, english) {
    const form = document.getElementById("coachbook-unlock");
    return (form && form.dataset[name]) || english;
  }

  function showError(form, message) {
    document.documentElement.classList.remove("cb-checking");
    const area = document.getElementById("coachbook-error");
    if (area) area.textContent = message;
    if (form) {
      form.querySelector("button").disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  async function onSubmit(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const input = form.querySelector("#coachbook-passphrase");
    const rememberBox = form.querySelector("#coachbook-remember");
    await unlockWith(form, input.value, rememberOffered && rememberBox !== null && rememberBox.checked);
  }

  async function unlockWith(form, passphrase, remember) {
    const input = form.querySelector("#coachbook-passphrase");
    const button = form.querySelector("button");
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    document.getElementById("coachbook-error").textContent = "";

    let rawKey;
    try {
      rawKey = await unwrapContentKey(passphrase);
    } catch (error) {
      showError(form, say("wrong", "That passphrase did not unlock this site. Check it and try again."));
      input.select();
      return;
    }
    let html;
    try {
      html = await decryptPage(rawKey);
    } catch (error) {
      showError(
        form,
        say(
          "altered",
          "The passphrase is right, but this page could not be decrypted: it may have been changed or " +
            "damaged. Nothing from it has been shown. Please tell your coach.",
        ),
      );
      return;
    }
    keepKey(rawKey, remember);
    render(html);
  }

  async function start() {
    const form = document.getElementById("coachbook-unlock");
    if (!envelope || envelope.version !== 1 || envelope.kdf !== "PBKDF2-HMAC-SHA256") {
      showError(form, say("damaged", "This page is damaged or was made by a newer version of Coachbook."));
      if (form) form.querySelector("button").disabled = true;
      return;
    }
    // WebCrypto only exists in a secure context: https, or localhost / 127.0.0.1.
    if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
      showError(
        form,
        say(
          "insecure",
          "This private site must be opened over https: your browser only decrypts pages on a secure " +
            "connection. Check the address you were given; it should start with https.",
        ),
      );
      if (form) form.querySelector("button").disabled = true;
      return;
    }

    const rawKey = storedKey();
    if (rawKey) {
      try {
        render(await decryptPage(rawKey));
        return;
      } catch (error) {
        // The site was rebuilt with a new key (or the page damaged): drop the old key and ask.
        forgetKey();
        document.documentElement.classList.remove("cb-checking");
      }
    }
    form.addEventListener("submit", onSubmit);
    form.querySelector("#coachbook-passphrase").focus();
    if (addressPassphrase) await unlockWith(form, addressPassphrase, false);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start, { once: true });
  } else {
    start();
  }
})();

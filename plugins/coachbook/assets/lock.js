/*
 * Coachbook: the "Lock this site" button of every decrypted page of an encrypted site.
 *
 * It forgets the site's content key in this browser, both the tab's copy
 * (sessionStorage) and the remembered one (localStorage, "remember on this
 * device"), and reloads the page, which then shows the locked form again.
 * `coachbook.access.encryption.with_lock_control` adds the button and this
 * script to each page before it is encrypted. No request to any other origin.
 */
(function () {
  "use strict";

  function lock(event) {
    const button = event.currentTarget;
    const name = "coachbook-key:" + button.getAttribute("data-binding");
    for (const storage of [sessionStorage, localStorage]) {
      try {
        storage.removeItem(name);
      } catch (error) {
        // Storage that cannot be used holds no key.
      }
    }
    button.disabled = true;
    location.reload();
  }

  function start() {
    const button = document.getElementById("coachbook-lock");
    if (button) button.addEventListener("click", lock);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start, { once: true });
  } else {
    start();
  }
})();

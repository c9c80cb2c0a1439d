// Keeps what an editor typed in an admin change form through a submission that fails before the form comes back:
// a body too large for the site (the 413 page), a lost connection. On submit the form's boxes are copied into this
// tab's sessionStorage; when the same form is shown again by going back or reloading and its boxes differ from the
// copy (a browser that did not keep them), the editor is offered the copy. A form shown with what was sent (saved,
// refused with errors, or kept by the browser) drops it.
(function () {
  "use strict";
  const form = document.querySelector("#content-main form[method=post]");
  if (!form || !window.sessionStorage) {
    return;
  }
  const key = "draft:" + window.location.pathname;
  const SKIPPED = new Set(["hidden", "password", "file", "submit", "button", "reset", "image"]);

  function boxes() {
    return [...form.elements].filter(
      (box) => box.name && !SKIPPED.has(box.type) && box.name !== "csrfmiddlewaretoken" && !box.disabled,
    );
  }

  function read() {
    const values = {};
    for (const box of boxes()) {
      values[box.name] = box.type === "checkbox" || box.type === "radio" ? box.checked : box.value;
    }
    return values;
  }

  function differs(saved) {
    const now = read();
    return Object.keys(saved).some((name) => name in now && now[name] !== saved[name]);
  }

  function restore(saved) {
    for (const box of boxes()) {
      if (!(box.name in saved)) {
        continue;
      }
      if (box.type === "checkbox" || box.type === "radio") {
        box.checked = saved[box.name];
      } else if (box.tagName === "SELECT" && ![...box.options].some((option) => option.value === saved[box.name])) {
        // A choice loaded on demand (an autocomplete) that this page does not list: left for the editor to choose again.
        continue;
      } else {
        box.value = saved[box.name];
      }
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  form.addEventListener("submit", () => {
    try {
      sessionStorage.setItem(key, JSON.stringify(read()));
    } catch (error) {
      // Storage full (a very long text): the browser's own form state is then all there is.
    }
  });

  function offer() {
    const stored = sessionStorage.getItem(key);
    if (stored === null) {
      return;
    }
    const saved = JSON.parse(stored);
    if (!differs(saved)) {
      // Shown with what was sent: saved, refused with errors, or kept by the browser itself.
      sessionStorage.removeItem(key);
      return;
    }
    const navigation = performance.getEntriesByType("navigation")[0];
    if (!navigation || (navigation.type !== "back_forward" && navigation.type !== "reload")) {
      // Opened afresh from a link: the copy waits for a return to the form.
      return;
    }
    show(saved);
  }

  function show(saved) {
    const offer = document.getElementById("draft-offer");
    offer.hidden = false;
    document.getElementById("draft-restore").addEventListener("click", () => {
      restore(saved);
      sessionStorage.removeItem(key);
      offer.hidden = true;
    });
    document.getElementById("draft-discard").addEventListener("click", () => {
      sessionStorage.removeItem(key);
      offer.hidden = true;
    });
  }

  // After the browser has put back any form state of its own, which it does after this script has run.
  window.addEventListener("pageshow", offer);
})();

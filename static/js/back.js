// "Go back to your form": going back in history shows the form with what the editor typed (the browser's form state,
// and the copy static/js/admin_drafts.js keeps); the link's own address, the form afresh, is for a tab with no history.
document.querySelectorAll("a[data-back]").forEach((link) => {
  link.addEventListener("click", (event) => {
    if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
});

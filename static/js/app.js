// Giao ước — small progressive enhancements (no inline scripts: the CSP forbids them).

// With JavaScript the phone menu folds behind its button (Bootstrap's collapse); without it
// the menu stays open (static/css/app.css, .no-js), so its links and "Đăng xuất" are reachable.
document.documentElement.classList.remove("no-js");

// htmx does not swap error responses: show the server's explanation above the content instead
// of failing silently (e.g. "the covenant is signed", "not allowed", a lost connection).
document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  let text = "";
  try {
    const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    const paragraph = doc.querySelector("main p");
    text = paragraph ? paragraph.textContent.trim() : "";
  } catch (_error) {
    text = "";
  }
  showError(text || document.body.dataset.errorMessage || "Error " + xhr.status);
});

document.addEventListener("htmx:sendError", () => {
  showError(document.body.dataset.offlineMessage || "No connection.");
});

function showError(text) {
  const main = document.getElementById("main");
  if (!main) return;
  const alert = document.createElement("div");
  alert.className = "alert alert-danger alert-dismissible fade show";
  alert.setAttribute("role", "alert");
  alert.textContent = text;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn-close";
  close.setAttribute("data-bs-dismiss", "alert");
  close.setAttribute("aria-label", "×");
  alert.appendChild(close);
  main.prepend(alert);
  alert.scrollIntoView({ block: "nearest" });
}

// A row's answer drawn in what htmx just swapped in (a file attached or refused: at the top of
// its cell, which grew): when it landed above or below the screen, scroll just enough to read it.
document.addEventListener("htmx:afterSettle", (event) => {
  const swapped = event.target;
  if (!(swapped instanceof Element)) return;
  const found = swapped.matches("[data-reveal]") ? [swapped] : swapped.querySelectorAll("[data-reveal]");
  found.forEach((element) => element.scrollIntoView({ block: "nearest" }));
});

// A confirmation the server sent into #confirm-slot (core/confirm.html): shown as a modal
// dialog, so the page behind cannot be used until the user answers or cancels.
document.addEventListener("htmx:afterSwap", (event) => {
  const dialog = event.detail.target.querySelector("dialog[data-confirm]");
  if (!dialog || typeof dialog.showModal !== "function") return;
  dialog.removeAttribute("open");
  dialog.showModal();
  const cancel = dialog.querySelector("[data-testid=confirm-cancel]");
  if (cancel) {
    cancel.addEventListener("click", (click) => {
      click.preventDefault();
      dialog.close();
      dialog.remove();
    });
  }
});

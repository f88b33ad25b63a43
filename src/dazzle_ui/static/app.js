// Dazzle's page behaviour, all optional: every link, form and move also works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function notify(text, isError) {
    var box = document.getElementById("notices");
    if (!box) return;
    var p = document.createElement("p");
    p.className = isError ? "error" : "notice";
    p.setAttribute("role", isError ? "alert" : "status");
    p.textContent = text;
    box.replaceChildren(p);
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|; )dazzle_csrf=([^;]*)/);
    if (m) return decodeURIComponent(m[1]);
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  // A click anywhere on a table row opens the record (the first cell's link stays the
  // keyboard and no-JS way there).
  document.addEventListener("click", function (e) {
    var row = e.target.closest("table.records tbody tr");
    if (!row || e.target.closest("a, button, input, select, form")) return;
    var link = row.querySelector("a[href]");
    if (link) window.location.href = link.getAttribute("href");
  });

  // Destructive forms ask first.
  document.addEventListener("submit", function (e) {
    var form = e.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
  });

  // A failed HTMX request says so instead of silently doing nothing.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    var text = xhr && xhr.responseText && xhr.responseText.length < 300 &&
      (xhr.getResponseHeader("content-type") || "").indexOf("text/plain") === 0
      ? xhr.responseText : "That did not work (" + (xhr ? xhr.status : "no answer") + ").";
    notify(text, true);
  });
  document.addEventListener("htmx:sendError", function () {
    notify("The server could not be reached. Check your connection and try again.", true);
  });

  // Kanban: drag a card to another lane; the move goes through the state machine and a
  // refusal is shown, with the card left where it was.
  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".kcard");
    if (!card) return;
    dragged = card;
    card.classList.add("moving");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.getAttribute("data-move"));
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("moving");
    dragged = null;
    document.querySelectorAll(".lane.over").forEach(function (l) { l.classList.remove("over"); });
  });
  document.addEventListener("dragover", function (e) {
    var lane = e.target.closest && e.target.closest(".lane");
    if (!lane || !dragged) return;
    e.preventDefault();
    lane.classList.add("over");
  });
  document.addEventListener("dragleave", function (e) {
    var lane = e.target.closest && e.target.closest(".lane");
    if (lane && !lane.contains(e.relatedTarget)) lane.classList.remove("over");
  });
  document.addEventListener("drop", function (e) {
    var lane = e.target.closest && e.target.closest(".lane");
    if (!lane || !dragged) return;
    e.preventDefault();
    lane.classList.remove("over");
    var card = dragged;
    if (card.closest(".lane") === lane) return;
    var board = lane.closest(".kanban");
    var body = new URLSearchParams();
    body.set("to_state", lane.getAttribute("data-value"));
    body.set("field", board.getAttribute("data-field"));
    fetch(card.getAttribute("data-move"), {
      method: "POST",
      headers: { "HX-Request": "true", "X-CSRF-Token": csrf(),
                 "Content-Type": "application/x-www-form-urlencoded" },
      body: body, credentials: "same-origin"
    }).then(function (r) {
      if (r.ok) {
        notify("Moved to " + lane.getAttribute("aria-label") + ".", false);
        document.body.dispatchEvent(new CustomEvent("dazzle:moved", { bubbles: true }));
        return;
      }
      return r.text().then(function (t) {
        notify(r.headers.get("content-type") && r.headers.get("content-type").indexOf("text/plain") === 0
          ? "Could not move: " + t : "Could not move that card (" + r.status + ").", true);
      });
    }).catch(function () {
      notify("The server could not be reached. The card was not moved.", true);
    });
  });
})();

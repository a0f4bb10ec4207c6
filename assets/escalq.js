// escalq's only hand-written script, for what Reflex has no component for: the queue's countdowns, which
// tick every second in the browser (no server round trip), and browser notifications.
(() => {
  // The share of a deadline's window still left, as a band the countdown's colour follows.
  function band(left, total) {
    if (left <= 0) return "breached";
    const share = total > 0 ? left / total : 0;
    return share > 0.5 ? "ok" : share > 0.25 ? "near" : "close";
  }

  function span(ms) {
    const s = Math.floor(Math.abs(ms) / 1000);
    const days = Math.floor(s / 86400), hours = Math.floor((s % 86400) / 3600);
    const minutes = Math.floor((s % 3600) / 60), seconds = s % 60;
    const pad = (n) => String(n).padStart(2, "0");
    if (days) return `${days}d ${hours}h`;
    return hours ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
  }

  // Every [data-deadline] element: its label, the time left (or overdue) and data-band for the colour.
  function tick() {
    const now = Date.now();
    for (const el of document.querySelectorAll("[data-deadline]")) {
      const due = Date.parse(el.dataset.deadline);
      if (Number.isNaN(due)) continue;
      const left = due - now;
      const text = left > 0 ? `${el.dataset.label} in ${span(left)}` : `${el.dataset.label} ${span(left)} overdue`;
      const state = band(left, due - Date.parse(el.dataset.from));
      if (el.textContent !== text) el.textContent = text;
      if (el.dataset.band !== state) el.dataset.band = state;
    }
  }

  setInterval(tick, 1000);
  // New or changed rows get their countdown at once, not on the next second.
  new MutationObserver(tick).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["data-deadline"],
  });

  window.escalq = {
    // A notification, when the reviewer allowed them; clicking it opens `url` in this tab.
    notify(title, body, url) {
      if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
      const shown = new Notification(title, { body, tag: url });
      shown.onclick = () => {
        window.focus();
        window.location.assign(url);
      };
    },
    // Keyboard focus to the selected queue row, scrolled into view; screen readers read it out.
    focusRow(id) {
      document.querySelector(`.queue-row[data-id="${CSS.escape(id)}"]`)?.focus();
    },
  };
})();

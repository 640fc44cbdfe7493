// Copy buttons: `<button data-copy="text" aria-describedby="m">` copies its text and says so in
// the element `m` (role=status, so screen readers hear "복사했습니다"). Without the clipboard
// API (plain http on another host than localhost) the text is selected for the learner to copy.
"use strict";

(function () {
  function say(button, text) {
    const id = button.getAttribute("aria-describedby");
    const message = id && document.getElementById(id);
    if (message) message.textContent = text;
  }

  function selectText(button) {
    const target = document.getElementById(button.dataset.copyTarget || "");
    if (!target) return false;
    const range = document.createRange();
    range.selectNodeContents(target);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return true;
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    say(button, "");
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      say(button, "복사했습니다.");
    } catch {
      const selected = selectText(button);
      say(button, selected ? "복사하지 못했습니다. 선택된 코드를 직접 복사해 주세요." : "복사하지 못했습니다.");
    }
  });

  for (const button of document.querySelectorAll("button[data-copy]")) button.hidden = false;
})();

// gil-lab: experiment cards. Submits runs, follows their events live, swaps in the
// server-rendered result panel. Reading the course never needs this script.
"use strict";

(function () {
  const STATUS_TEXT = {
    queued: "대기 중",
    running: "실행 중",
    succeeded: "완료",
    failed: "실패",
    timed_out: "시간 초과",
    cancelled: "취소됨",
  };

  function statusLine(status, position) {
    let text = STATUS_TEXT[status] || status;
    if (status === "queued" && position > 1) text += ` — 앞에 ${position - 1}개`;
    if (status === "queued" && position === 1) text += " — 다음 차례";
    return text;
  }

  // Whole seconds and minutes, as src/format.rs writes them: "12초", "2분 30초".
  function duration(seconds) {
    const total = Math.round(seconds);
    const minutes = Math.floor(total / 60);
    const rest = total % 60;
    if (minutes === 0) return `${rest}초`;
    return rest === 0 ? `${minutes}분` : `${minutes}분 ${rest}초`;
  }

  function startText(eta) {
    return eta < 1 ? " · 곧 시작" : ` · 약 ${duration(Math.ceil(eta))} 뒤 시작`;
  }

  function clockText(elapsed, limit) {
    return ` · ${duration(Math.floor(elapsed))} 지남 / 제한 ${duration(limit)}`;
  }

  // One ticking part per status line, redrawn every second from the server's last word: the
  // queue's estimate counting down, or a running run's seconds counting up to its limit.
  function tick(line, draw) {
    clearInterval(Number(line.dataset.timer || 0));
    delete line.dataset.timer;
    if (!draw) return;
    const told = performance.now();
    const span = document.createElement("span");
    // Ticking every second must not make screen readers speak every second: the line
    // (role=status) is read when the server sends news, the ticking part itself stays quiet.
    span.setAttribute("aria-live", "off");
    span.setAttribute("data-live-clock", "");
    const redraw = () => {
      // The panel swapped in at the end replaces the line: the timer ends with it.
      if (line.dataset.timer && !span.isConnected) return clearInterval(Number(line.dataset.timer));
      span.textContent = draw((performance.now() - told) / 1000);
    };
    redraw();
    line.append(span);
    line.dataset.timer = String(setInterval(redraw, 1000));
  }

  // Fetches the server-rendered panel of a run and puts it in `live`. Only the latest request
  // may write: a slow refresh started by a `result` must not undo the one after `done`.
  let refreshes = 0;
  async function refreshPanel(live, id) {
    const ticket = String(++refreshes);
    live.dataset.ticket = ticket;
    const response = await fetch(`/runs/${id}/panel`, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const html = await response.text();
    if (live.dataset.ticket !== ticket) return;
    live.innerHTML = html;
  }

  // The result so far, after the status line and before the output.
  function showResult(live, html) {
    let box = live.querySelector("[data-live-result]");
    if (!box) {
      box = document.createElement("div");
      box.setAttribute("data-live-result", "");
      const status = live.querySelector("[data-live-status]");
      if (status) status.after(box);
      else live.prepend(box);
    }
    box.innerHTML = html;
  }

  function appendOutput(live, stream, text) {
    let pre = live.querySelector(`[data-live-${stream}]`);
    if (!pre) {
      const details = document.createElement("details");
      details.className = "run-output" + (stream === "stderr" ? " run-output--stderr" : "");
      details.open = true;
      const summary = document.createElement("summary");
      summary.textContent = stream === "stderr" ? "표준 오류 (stderr)" : "표준 출력 (stdout)";
      pre = document.createElement("pre");
      pre.className = "run-output__text";
      pre.setAttribute(`data-live-${stream}`, "");
      details.append(summary, pre);
      live.append(details);
    }
    pre.append(document.createTextNode(text));
  }

  // `data` is a status event: `{status, position?, eta_s?, elapsed_s?, limit_s?}`.
  function setStatus(live, data) {
    const status = data.status;
    let line = live.querySelector("[data-live-status]");
    if (!line) {
      line = document.createElement("p");
      line.className = "run-status";
      line.setAttribute("role", "status");
      line.setAttribute("data-live-status", "");
      live.prepend(line);
    }
    line.className = `run-status run-status--${status}`;
    line.textContent = statusLine(status, data.position);
    let draw = null;
    if (status === "queued" && typeof data.eta_s === "number") {
      draw = (since) => startText(Math.max(0, data.eta_s - since));
    } else if (status === "running" && typeof data.limit_s === "number") {
      draw = (since) => clockText(Math.min(data.elapsed_s + since, data.limit_s), data.limit_s);
    }
    tick(line, draw);
  }

  // Follows one run until it is done; `onDone` gets the final status.
  function follow(live, id, onDone) {
    const events = new EventSource(`/api/runs/${id}/events`);
    let pending = null;
    const refreshSoon = () => {
      if (pending) return;
      pending = setTimeout(async () => {
        pending = null;
        await refreshPanel(live, id);
      }, 150);
    };
    events.addEventListener("status", (e) => {
      setStatus(live, JSON.parse(e.data));
    });
    events.addEventListener("output", (e) => {
      const data = JSON.parse(e.data);
      appendOutput(live, data.stream, data.text);
    });
    // The events carry their HTML (the result so far, the final panel); a server that sent
    // none gets the panel fetched instead.
    events.addEventListener("result", (e) => {
      const data = JSON.parse(e.data);
      if (data.html) showResult(live, data.html);
      else refreshSoon();
    });
    events.addEventListener("done", async (e) => {
      events.close();
      clearTimeout(pending);
      const data = JSON.parse(e.data);
      if (data.html) {
        live.dataset.ticket = String(++refreshes);
        live.innerHTML = data.html;
      } else {
        await refreshPanel(live, id);
      }
      const link = document.createElement("p");
      link.className = "run-permalink";
      const a = document.createElement("a");
      a.href = `/runs/${id}`;
      a.textContent = "이 실행 기록 열기";
      link.append(a);
      live.append(link);
      onDone(data.status);
    });
    events.onerror = () => {
      // The server closed the stream (shutdown) or the network dropped: the browser retries;
      // a run that no longer exists for us ends the watch.
      if (events.readyState === EventSource.CLOSED) onDone("unknown");
    };
    return events;
  }

  function readParams(form) {
    const params = {};
    for (const field of form.querySelectorAll("[data-kind]")) {
      const kind = field.dataset.kind;
      if (kind === "bool") params[field.name] = field.checked;
      else if (kind === "int") params[field.name] = Number.parseInt(field.value, 10);
      else if (kind === "float") params[field.name] = Number.parseFloat(field.value);
      else params[field.name] = field.value;
    }
    return params;
  }

  function readPrediction(form) {
    const number = form.querySelector("[data-prediction=number]");
    if (number && number.value !== "") return { value: Number.parseFloat(number.value) };
    const choice = form.querySelector("[data-prediction=choice]:checked");
    if (choice) return { choice: choice.value };
    return null;
  }

  // The "왜 그럴까요?" forms come and go with the panel: listen once, on the document.
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-explain-form]");
    if (!form) return;
    event.preventDefault();
    const message = form.querySelector("[data-explain-message]");
    const text = form.querySelector("textarea").value;
    const response = await fetch(`/api/runs/${form.dataset.runId}/explanation`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text }),
    }).catch(() => null);
    const data = response ? await response.json().catch(() => ({})) : {};
    message.textContent = response && response.ok ? "저장했습니다." : data.error || "저장하지 못했습니다.";
  });

  // "내 이전 실행 N개" under the card, fetched again once a run has ended, kept open if it was.
  async function refreshHistory(card, experiment) {
    const slot = card.querySelector("[data-run-history]");
    if (!slot) return;
    const open = slot.querySelector("details[open]") ? "?open" : "";
    const response = await fetch(`/experiments/${experiment}/history${open}`, {
      headers: { Accept: "text/html" },
    }).catch(() => null);
    if (response && response.ok) slot.innerHTML = await response.text();
  }

  function setupForm(form) {
    const card = form.closest(".experiment-card");
    const live = card.querySelector("[data-run-live]");
    const textarea = form.querySelector("textarea[name=code]");
    const runButton = form.querySelector("[data-run-button]");
    const cancelButton = form.querySelector("[data-cancel-button]");
    const message = form.querySelector("[data-form-message]");
    const editor = window.GilEditor && textarea ? window.GilEditor.attach(textarea) : null;
    let current = null;

    form.querySelector("[data-reset-code]")?.addEventListener("click", () => {
      const original = textarea.dataset.original;
      if (editor) editor.setValue(original);
      else textarea.value = original;
    });

    // Focus stays on the card: on "취소" while the run goes on, back on "실험 실행" when it ends
    // (a disabled or hidden button would drop it to the page's body).
    const focusWasOn = (button) =>
      document.activeElement === button || document.activeElement === document.body;
    // A run that stopped at a line of the program marks that line in the editor (or, without
    // the editor, selects it in the textarea), and offers to go there.
    const markError = () => {
      const where = live.querySelector("[data-run-error] [data-error-line]");
      if (!where) return;
      const line = Number.parseInt(where.dataset.errorLine, 10);
      const why = live.querySelector("[data-run-error] code")?.textContent || "";
      if (editor) editor.markLine(line, why);
      const go = document.createElement("button");
      go.type = "button";
      go.className = "link-button run-error__go";
      go.textContent = "코드에서 이 줄 보기";
      go.addEventListener("click", () => showLine(line));
      where.after(" ", go);
    };
    const showLine = (line) => {
      form.querySelector("details.run-form__code").open = true;
      if (editor) {
        const doc = editor.view.state.doc;
        const at = doc.line(Math.min(Math.max(line, 1), doc.lines)).from;
        // The view's own class makes the effect: the line in the middle, not at an edge.
        const scroll = editor.view.constructor.scrollIntoView(at, { y: "center" });
        editor.view.dispatch({ selection: { anchor: at }, effects: scroll });
        editor.focus();
        return;
      }
      const lines = textarea.value.split("\n");
      const start = lines.slice(0, line - 1).reduce((n, text) => n + text.length + 1, 0);
      textarea.focus();
      textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
    };

    const finish = () => {
      current = null;
      markError();
      const refocus = focusWasOn(cancelButton);
      runButton.disabled = false;
      cancelButton.hidden = true;
      if (refocus) runButton.focus();
      refreshHistory(card, form.dataset.experiment);
    };

    cancelButton.addEventListener("click", async () => {
      if (!current) return;
      cancelButton.disabled = true;
      await fetch(`/api/runs/${current}/cancel`, { method: "POST" });
      cancelButton.disabled = false;
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.textContent = "";
      const invalid = [...form.querySelectorAll("input[type=number]")].find((f) => !f.checkValidity());
      if (invalid) {
        message.textContent = `${invalid.labels[0]?.textContent || invalid.name}: ${invalid.validationMessage}`;
        invalid.focus();
        return;
      }
      const code = editor ? editor.getValue() : textarea.value;
      const body = { experiment: form.dataset.experiment, params: readParams(form) };
      const prediction = readPrediction(form);
      if (prediction) body.prediction = prediction;
      if (code !== textarea.dataset.original) body.code = code;
      runButton.disabled = true;
      let response;
      try {
        response = await fetch("/api/runs", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
      } catch {
        message.textContent = "서버에 연결하지 못했습니다. 잠시 후 다시 시도해 주세요.";
        runButton.disabled = false;
        return;
      }
      const data = await response.json().catch(() => ({}));
      if (response.status !== 202) {
        message.textContent = data.error || `요청이 거절되었습니다 (${response.status}).`;
        runButton.disabled = false;
        return;
      }
      start(data.id, focusWasOn(runButton));
    });

    // Follows a run just queued (from the form, or a "다시 실행" button in the panel).
    const start = (id, refocus) => {
      current = id;
      if (editor) editor.clearMarks();
      runButton.disabled = true;
      cancelButton.hidden = false;
      if (refocus) cancelButton.focus();
      live.innerHTML = "";
      setStatus(live, { status: "queued" });
      follow(live, id, finish);
    };
    card.gilStart = start;
  }

  // "같은 설정으로 다시 실행": the server queues the run's twin; a card follows it in place,
  // the run's own page goes to the new run's page.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-rerun]");
    if (!button) return;
    const message = button.parentElement.querySelector("[data-rerun-message]");
    button.disabled = true;
    const response = await fetch(`/api/runs/${button.dataset.runId}/rerun`, { method: "POST" }).catch(
      () => null,
    );
    const data = response ? await response.json().catch(() => ({})) : {};
    if (!response || response.status !== 202) {
      button.disabled = false;
      if (message) message.textContent = data.error || "다시 실행하지 못했습니다. 잠시 후 다시 시도해 주세요.";
      return;
    }
    const card = button.closest(".experiment-card");
    if (card && card.gilStart) card.gilStart(data.id, true);
    else location.href = data.url;
  });

  function setupRunPage(live) {
    const panel = live.querySelector("[data-run-panel]");
    if (!panel || panel.dataset.finished === "true") return;
    follow(live, live.dataset.runId, () => {});
  }

  document.querySelectorAll("form[data-run-form]").forEach(setupForm);
  document.querySelectorAll(".run-page [data-run-live]").forEach(setupRunPage);
})();

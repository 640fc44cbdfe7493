// gil-editor: entry point of the vendored CodeMirror 6 bundle.
//
// Built by build.sh (same folder) with esbuild into one minified IIFE, gil-editor.js.
// At run time it defines window.GilEditor and nothing else. It imports no modules and fetches nothing.
//
//   const ed = GilEditor.attach(textarea, { ariaLabel, readOnly, onChange });
//   // ed is null when the browser can't run the editor; the <textarea> then stays as it is.
//   ed.view         // the CodeMirror EditorView
//   ed.host         // the <div class="gil-editor"> placed right after the textarea
//   ed.getValue()   // current text
//   ed.setValue(s)  // replace the text (undoable; updates textarea.value and fires "input")
//   ed.focus()
//   ed.markLine(n, why)  // marks line n (1-based) as where a run failed; why = its title text
//   ed.clearMarks()      // removes that mark (setValue removes it too)
//   ed.destroy()    // remove the editor and show the textarea again
//
// CSP: the editor is mounted inside a shadow root on ed.host. CodeMirror, through style-mod,
// styles a shadow root with a constructed stylesheet (adoptedStyleSheets), which
// `style-src 'self'` does not block. In a plain document, style-mod would instead put a
// <style> element in <head>, which that policy blocks. Where adoptedStyleSheets is
// missing, attach() returns null and the textarea stays.

import { EditorState, Compartment, StateEffect, StateField } from "@codemirror/state";
import {
  EditorView,
  Decoration,
  ViewPlugin,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  HighlightStyle,
  LanguageSupport,
  bracketMatching,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
  syntaxTree,
} from "@codemirror/language";
import { pythonLanguage } from "@codemirror/lang-python";
import { tags as t } from "@lezer/highlight";

const VERSION = "2";

// --- Theme: every colour comes from the site's CSS variables, so light/dark follows the page. ---

const LINE_HEIGHT = 1.5;

const gilTheme = EditorView.theme({
  "&": {
    color: "var(--text)",
    backgroundColor: "var(--code-bg)",
    border: "var(--gil-editor-border, 1px solid var(--border))",
    borderRadius: "var(--gil-editor-radius, var(--radius, 6px))",
    fontSize: "var(--gil-editor-font-size, 0.9rem)",
    maxHeight: "var(--gil-editor-max-height, none)",
  },
  "&.cm-focused": {
    outline: "3px solid var(--focus, var(--accent))",
    outlineOffset: "2px",
  },
  ".cm-scroller": {
    fontFamily: "var(--font-mono, ui-monospace, monospace)",
    lineHeight: String(LINE_HEIGHT),
    borderRadius: "inherit",
  },
  // --gil-editor-rows is set from the textarea's rows attribute (see attach()).
  ".cm-content, .cm-gutter": {
    minHeight: `calc(var(--gil-editor-rows, 0) * ${LINE_HEIGHT}em + 8px)`,
  },
  ".cm-content": { caretColor: "var(--text)" },
  ".cm-gutters": {
    backgroundColor: "var(--code-bg)",
    color: "var(--muted, var(--text))",
    borderRight: "1px solid var(--border)",
  },
  ".cm-lineNumbers .cm-gutterElement": { padding: "0 0.6em 0 0.8em" },
  // The active line is marked only while the editor has focus.
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "transparent" },
  "&.cm-focused .cm-activeLine": {
    backgroundColor: "color-mix(in srgb, var(--accent) 8%, transparent)",
  },
  "&.cm-focused .cm-activeLineGutter": {
    backgroundColor: "color-mix(in srgb, var(--accent) 14%, transparent)",
    color: "var(--text)",
  },
  // Same selectors as CodeMirror's base theme, so these win (later rule, equal specificity).
  "&.cm-focused > .cm-scroller .cm-matchingBracket": {
    backgroundColor: "color-mix(in srgb, var(--accent) 28%, transparent)",
    outline: "1px solid var(--accent)",
  },
  "&.cm-focused > .cm-scroller .cm-nonmatchingBracket": {
    backgroundColor: "color-mix(in srgb, var(--correction, #b4232a) 30%, transparent)",
  },
  ".cm-gil-builtin, .cm-gil-builtin *": { color: "var(--hl-builtin)" },
  // The line a failed run stopped at: a tint and a bar, so it shows without colour too.
  ".cm-line.cm-gil-error-line": {
    backgroundColor: "color-mix(in srgb, var(--correction, #b4232a) 16%, transparent)",
    boxShadow: "inset 4px 0 0 var(--correction, #b4232a)",
  },
});

// Same groups as the server-side highlighter (syntect classes coloured in site.css).
const gilHighlight = HighlightStyle.define([
  { tag: t.comment, color: "var(--hl-comment)", fontStyle: "italic" },
  { tag: t.keyword, color: "var(--hl-keyword)" },
  { tag: [t.string, t.special(t.string), t.escape], color: "var(--hl-string)" },
  { tag: [t.number, t.bool, t.null], color: "var(--hl-number)" },
  {
    tag: [
      t.function(t.variableName),
      t.function(t.definition(t.variableName)),
      t.function(t.propertyName),
      t.meta,
    ],
    color: "var(--hl-function)",
  },
  { tag: t.invalid, color: "var(--correction, #b4232a)" },
]);

// --- Builtins (print, len, range, int, ValueError...): the Python grammar doesn't mark them. ---

const BUILTINS = new Set(
  (
    "abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod " +
    "compile complex delattr dict dir divmod enumerate eval exec filter float format frozenset " +
    "getattr globals hasattr hash help hex id input int isinstance issubclass iter len list " +
    "locals map max memoryview min next object oct open ord pow print property range repr " +
    "reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip " +
    "__import__ NotImplemented Ellipsis " +
    "BaseException Exception ArithmeticError AssertionError AttributeError BufferError " +
    "EOFError FloatingPointError GeneratorExit ImportError ModuleNotFoundError IndexError " +
    "KeyError KeyboardInterrupt LookupError MemoryError NameError NotImplementedError OSError " +
    "OverflowError RecursionError ReferenceError RuntimeError StopIteration " +
    "StopAsyncIteration SyntaxError IndentationError TabError SystemError SystemExit " +
    "TypeError UnboundLocalError UnicodeError UnicodeDecodeError UnicodeEncodeError " +
    "ValueError ZeroDivisionError FileExistsError FileNotFoundError InterruptedError " +
    "IsADirectoryError NotADirectoryError PermissionError ProcessLookupError TimeoutError " +
    "ConnectionError BrokenPipeError Warning DeprecationWarning RuntimeWarning UserWarning"
  ).split(" "),
);

const builtinMark = Decoration.mark({ class: "cm-gil-builtin" });

function builtinDecorations(view) {
  const marks = [];
  const tree = syntaxTree(view.state);
  const doc = view.state.doc;
  for (const { from, to } of view.visibleRanges) {
    tree.iterate({
      from,
      to,
      enter(node) {
        if (node.name !== "VariableName" && node.name !== "print") return;
        const parent = node.node.parent;
        if (parent && (parent.name === "FunctionDefinition" || parent.name === "ClassDefinition")) return;
        if (BUILTINS.has(doc.sliceString(node.from, node.to))) marks.push(builtinMark.range(node.from, node.to));
      },
    });
  }
  return Decoration.set(marks, true);
}

const builtinHighlighter = ViewPlugin.fromClass(
  class {
    constructor(view) {
      this.decorations = builtinDecorations(view);
    }
    update(u) {
      if (u.docChanged || u.viewportChanged || syntaxTree(u.startState) !== syntaxTree(u.state)) {
        this.decorations = builtinDecorations(u.view);
      }
    }
  },
  { decorations: (v) => v.decorations },
);

// --- The line where a run failed: a line decoration that follows edits, cleared on demand. ---

const setErrorLine = StateEffect.define();

const errorLineField = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    marks = marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (effect.is(setErrorLine)) {
        const { line, title } = effect.value || {};
        if (!line || line > tr.state.doc.lines) {
          marks = Decoration.none;
        } else {
          const from = tr.state.doc.line(line).from;
          const attributes = { "data-error-line": String(line) };
          if (title) attributes.title = title;
          marks = Decoration.set([Decoration.line({ class: "cm-gil-error-line", attributes }).range(from)]);
        }
      }
    }
    return marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

const koreanPhrases = EditorState.phrases.of({
  "Control character": "제어 문자",
  "Selection deleted": "선택 영역 삭제됨",
});

// --- attach() ---

const valueProp = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value");
const handles = new WeakMap();

function supported() {
  return (
    typeof ShadowRoot === "function" &&
    "adoptedStyleSheets" in ShadowRoot.prototype &&
    typeof CSSStyleSheet === "function" &&
    typeof HTMLElement.prototype.attachShadow === "function"
  );
}

function textOf(el) {
  const copy = el.cloneNode(true);
  for (const c of copy.querySelectorAll("textarea, input, select, button")) c.remove();
  return copy.textContent.replace(/\s+/g, " ").trim();
}

function labelFor(textarea) {
  const own = textarea.getAttribute("aria-label");
  if (own && own.trim()) return own.trim();
  const byIds = (textarea.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
  const doc = textarea.ownerDocument;
  const fromIds = byIds.map((id) => doc.getElementById(id)).filter(Boolean).map(textOf).join(" ").trim();
  if (fromIds) return fromIds;
  const fromLabels = Array.from(textarea.labels || []).map(textOf).join(" ").trim();
  if (fromLabels) return fromLabels;
  return (textarea.getAttribute("title") || textarea.getAttribute("placeholder") || "").trim();
}

function descriptionFor(textarea) {
  const ids = (textarea.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const doc = textarea.ownerDocument;
  return ids.map((id) => doc.getElementById(id)).filter(Boolean).map(textOf).join(" ").trim();
}

function attach(textarea, options) {
  if (!(textarea instanceof HTMLTextAreaElement)) throw new TypeError("GilEditor.attach: expected a <textarea>");
  const existing = handles.get(textarea);
  if (existing) return existing;
  if (!supported()) return null;
  const opts = options || {};

  const doc = textarea.ownerDocument;
  const win = doc.defaultView || window;
  const readValue = () => valueProp.get.call(textarea);
  const writeValue = (v) => valueProp.set.call(textarea, v);

  const host = doc.createElement("div");
  host.className = "gil-editor";
  const rows = parseInt(textarea.getAttribute("rows") || "", 10);
  const minLines = opts.minLines != null ? opts.minLines : rows > 0 ? rows : 0;
  if (minLines > 0) host.style.setProperty("--gil-editor-rows", String(minLines));
  const shadow = host.attachShadow({ mode: "open" });

  const label = (opts.ariaLabel || labelFor(textarea) || "Python 코드").trim();
  const contentAttrs = { "aria-label": label, tabindex: "0" };
  const description = descriptionFor(textarea);
  if (description) {
    // IDs don't reach across the shadow boundary, so the description is copied in.
    const desc = doc.createElement("div");
    desc.id = "gil-editor-description";
    desc.hidden = true;
    desc.textContent = description;
    shadow.appendChild(desc);
    contentAttrs["aria-describedby"] = desc.id;
  }
  const readOnly = !!(opts.readOnly || textarea.readOnly || textarea.disabled);
  if (readOnly) contentAttrs["aria-readonly"] = "true";
  if (textarea.required) contentAttrs["aria-required"] = "true";

  const scheme = win.matchMedia ? win.matchMedia("(prefers-color-scheme: dark)") : null;
  const darkMode = new Compartment();
  const onChange = typeof opts.onChange === "function" ? opts.onChange : null;
  let view = null;

  const syncBack = EditorView.updateListener.of((u) => {
    if (!u.docChanged) return;
    const text = u.state.doc.toString();
    writeValue(text);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    if (onChange) onChange(text);
  });

  const state = EditorState.create({
    doc: readValue(),
    extensions: [
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightSpecialChars(),
      history(),
      indentOnInput(),
      bracketMatching(),
      highlightActiveLine(),
      new LanguageSupport(pythonLanguage),
      syntaxHighlighting(gilHighlight),
      builtinHighlighter,
      errorLineField,
      indentUnit.of("    "),
      EditorState.tabSize.of(4),
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      gilTheme,
      darkMode.of(EditorView.darkTheme.of(!!(scheme && scheme.matches))),
      koreanPhrases,
      EditorState.readOnly.of(readOnly),
      EditorView.editable.of(!textarea.disabled),
      EditorView.contentAttributes.of(contentAttrs),
      EditorView.editorAttributes.of({ part: "editor" }),
      syncBack,
    ],
  });

  try {
    view = new EditorView({ state, parent: shadow, root: shadow });
  } catch (err) {
    if (typeof console !== "undefined") console.error("GilEditor: falling back to the textarea", err);
    return null;
  }
  view.scrollDOM.setAttribute("part", "scroller");
  view.contentDOM.setAttribute("part", "content");

  textarea.insertAdjacentElement("afterend", host);
  textarea.hidden = true;
  textarea.style.display = "none";

  const setValue = (text) => {
    text = text == null ? "" : String(text);
    if (text === view.state.doc.toString()) {
      writeValue(text);
      return;
    }
    // New text: the mark of a failed run no longer points at anything in it.
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, effects: setErrorLine.of(null) });
  };

  // A script that still writes textarea.value updates the editor too.
  Object.defineProperty(textarea, "value", {
    configurable: true,
    enumerable: true,
    get: readValue,
    set: (v) => {
      writeValue(v);
      setValue(readValue());
    },
  });

  const cleanups = [];
  const listen = (target, type, fn) => {
    target.addEventListener(type, fn);
    cleanups.push(() => target.removeEventListener(type, fn));
  };

  if (scheme && scheme.addEventListener) {
    listen(scheme, "change", () =>
      view.dispatch({ effects: darkMode.reconfigure(EditorView.darkTheme.of(scheme.matches)) }),
    );
  }
  // A click on the textarea's <label> focuses the editor (the hidden textarea can't take focus).
  for (const l of Array.from(textarea.labels || [])) listen(l, "click", () => view.focus());
  // Form reset puts the textarea back to its default text; follow it.
  if (textarea.form) listen(textarea.form, "reset", () => win.setTimeout(() => setValue(readValue()), 0));
  // "change" on blur, like a textarea.
  let valueAtFocus = null;
  listen(view.contentDOM, "focus", () => {
    valueAtFocus = view.state.doc.toString();
  });
  listen(view.contentDOM, "blur", () => {
    if (valueAtFocus !== null && valueAtFocus !== view.state.doc.toString()) {
      textarea.dispatchEvent(new Event("change", { bubbles: true }));
    }
    valueAtFocus = null;
  });

  const handle = {
    view,
    host,
    getValue: () => view.state.doc.toString(),
    setValue,
    focus: () => view.focus(),
    markLine: (line, title) => view.dispatch({ effects: setErrorLine.of({ line: Number(line), title }) }),
    clearMarks: () => view.dispatch({ effects: setErrorLine.of(null) }),
    destroy() {
      if (!handles.has(textarea)) return;
      handles.delete(textarea);
      for (const c of cleanups) c();
      const text = view.state.doc.toString();
      delete textarea.value;
      writeValue(text);
      view.destroy();
      host.remove();
      textarea.hidden = false;
      textarea.style.removeProperty("display");
    },
  };
  handles.set(textarea, handle);
  return handle;
}

window.GilEditor = Object.freeze({ attach, supported: supported(), version: VERSION });

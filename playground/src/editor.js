// The code editor: CodeMirror 6, one EditorState per file (each keeps its
// own undo history), the language picked by the file's extension.

import { EditorState, Compartment } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  highlightSpecialChars, drawSelection, dropCursor, rectangularSelection,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching, foldGutter, foldKeymap,
} from "@codemirror/language";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { javascript } from "@codemirror/lang-javascript";
import { python } from "@codemirror/lang-python";

/** The CodeMirror language of a module name ([] for text). */
export function languageFor(name) {
  const ext = (name.split(".").pop() || "").toLowerCase();
  switch (ext) {
    case "js": case "mjs": case "cjs": return javascript();
    case "jsx": return javascript({ jsx: true });
    case "ts": case "mts": return javascript({ typescript: true });
    case "tsx": return javascript({ typescript: true, jsx: true });
    case "json": return javascript();
    case "py": return python();
    default: return [];
  }
}

export class Editor {
  /** `parent`: the element to fill; `nonce`: the page's CSP style nonce. */
  constructor(parent, nonce, onChange) {
    this.states = new Map();
    this.current = null;
    this.onChange = onChange;
    this.extensions = [
      lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), foldGutter(),
      drawSelection(), dropCursor(), EditorState.allowMultipleSelections.of(true), indentOnInput(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }), bracketMatching(), closeBrackets(),
      rectangularSelection(), highlightActiveLine(), highlightSelectionMatches(),
      keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, indentWithTab]),
      EditorView.cspNonce.of(nonce),
      EditorView.updateListener.of((u) => { if (u.docChanged) this.onChange(); }),
    ];
    this.view = new EditorView({ parent, state: this.makeState("", "main.js") });
  }

  makeState(text, name) {
    const language = new Compartment();
    return EditorState.create({ doc: text, extensions: [...this.extensions, language.of(languageFor(name))] });
  }

  /** Replaces every file; opens `open`. */
  setFiles(files, open) {
    this.states.clear();
    for (const [name, text] of Object.entries(files)) this.states.set(name, this.makeState(text, name));
    this.current = null;
    this.open(open in files ? open : Object.keys(files)[0]);
  }

  names() { return [...this.states.keys()]; }

  files() {
    this.save();
    return Object.fromEntries([...this.states].map(([n, s]) => [n, s.doc.toString()]));
  }

  save() {
    if (this.current !== null) this.states.set(this.current, this.view.state);
  }

  open(name) {
    if (!this.states.has(name)) return;
    this.save();
    this.current = name;
    this.view.setState(this.states.get(name));
  }

  add(name, text = "") {
    this.save();
    this.states.set(name, this.makeState(text, name));
    this.open(name);
  }

  rename(from, to) {
    this.save();
    const text = this.states.get(from).doc.toString();
    const entries = [...this.states].map(([n, s]) => (n === from ? [to, this.makeState(text, to)] : [n, s]));
    this.states = new Map(entries);
    if (this.current === from) this.current = null;
    this.open(to);
  }

  remove(name) {
    this.save();
    this.states.delete(name);
    if (this.current === name) {
      this.current = null;
      const first = this.names()[0];
      if (first) this.open(first);
    }
  }

  /** Opens `name` and puts the cursor on `line` (1-based), scrolled into view. */
  goTo(name, line, column = 1) {
    this.open(name);
    const doc = this.view.state.doc;
    const l = doc.line(Math.min(Math.max(1, line), doc.lines));
    const pos = Math.min(l.from + Math.max(0, column - 1), l.to);
    this.view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: "center" }) });
    this.view.focus();
  }
}

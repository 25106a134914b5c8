// First, so that the components' own sheets, later in the bundle, refine it.
import "./global.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { backend } from "./backend";
import { Panel } from "./panel/Panel";
import { Records } from "./records/Records";

function route() {
  const m = /^#\/records\/?(\w*)/.exec(location.hash);
  return m ? { records: true, tab: m[1] || "history" } : { records: false, tab: "" };
}

function App() {
  const [r, setR] = useState(route());
  useEffect(() => {
    const on = () => setR(route());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return r.records ? <Records tab={r.tab} /> : <Panel />;
}

const root = document.getElementById("app");
if (root) render(<App />, root);
// Interactive now: the shell records the start-up time.
requestAnimationFrame(() => void backend.uiReady().catch(() => undefined));

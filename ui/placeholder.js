// Placeholder page until the panel lands: shows the mode and reports readiness.
(async () => {
  const invoke = window.__TAURI__?.core?.invoke;
  if (!invoke) return;
  const info = await invoke("app_info");
  const mode = document.getElementById("mode");
  mode.textContent = info.simulated ? "演示模式（模拟终端）" : "已连接终端";
  mode.classList.toggle("demo", info.simulated);
  document.getElementById("transport").textContent = `终端：${info.transport} · v${info.version}`;
  await invoke("ui_ready");
})();

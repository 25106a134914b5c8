import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// Tauri loads the built files from ui/dist (tauri.conf.json frontendDist).
export default defineConfig({
  plugins: [preact()],
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari13",
    // One small bundle: the panel must start fast and stay light.
    chunkSizeWarningLimit: 200,
  },
  server: { port: 5173, strictPort: true },
});

// Only for `vite` (the dev server): its dependency pre-bundling moves free-router's JS into
// node_modules/.vite/deps/, where `new URL("free_router_bg.wasm", import.meta.url)` finds no wasm.
// Excluding the package serves it as is. `vite build` needs no config (vite.config.js is absent).
export default {
  optimizeDeps: { exclude: ["free-router"] },
};

import { defineConfig } from 'vite';

// One page (index.html) that routes on the client: /login, /app, /public.
// Assets land in dist/assets with content hashes; the yingji binary embeds dist/.
export default defineConfig({
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1200,
    sourcemap: false,
    rollupOptions: { output: { manualChunks: { maplibre: ['maplibre-gl'] } } },
  },
  server: {
    // `npm run dev` talks to a yingji running on :8080.
    proxy: { '/api': 'http://127.0.0.1:8080', '/cap': 'http://127.0.0.1:8080' },
  },
});

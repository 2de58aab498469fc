import { defineConfig } from 'vite';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

/**
 * Emits dist/sw.js, the field report page's service worker, from src/sw/report-sw.js with
 * the list of files that page needs (the page, the entry chunk, the report chunk and
 * everything they import, their CSS, the icon) and a version derived from those hashed
 * names: each build whose report page changed is a new worker, which replaces the old one.
 */
function reportServiceWorker() {
  return {
    name: 'yingji-report-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((file) => file.type === 'chunk');
      const byFile = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
      const entry = chunks.find((chunk) => chunk.isEntry);
      const report = chunks.find((chunk) => chunk.facadeModuleId?.endsWith('/src/report.js'));
      if (!entry || !report) this.error('the entry or the report page chunk is missing from the build');
      const files = new Set();
      const visit = (chunk) => {
        if (files.has(chunk.fileName)) return;
        files.add(chunk.fileName);
        for (const css of chunk.viteMetadata?.importedCss ?? []) files.add(css);
        for (const asset of chunk.viteMetadata?.importedAssets ?? []) files.add(asset);
        chunk.imports.forEach((name) => visit(byFile.get(name)));
      };
      visit(entry);
      visit(report);
      const urls = ['/app/report', '/favicon.svg', ...[...files].sort().map((file) => `/${file}`)];
      const version = createHash('sha256').update(urls.join('\n')).digest('hex').slice(0, 16);
      const template = readFileSync(new URL('./src/sw/report-sw.js', import.meta.url), 'utf8');
      const source = template
        .replace('__VERSION__', JSON.stringify(version))
        .replace('__PRECACHE__', JSON.stringify(urls, null, 2));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

// One page (index.html) that routes on the client: /login, /app, /public.
// Assets land in dist/assets with content hashes; the yingji binary embeds dist/.
export default defineConfig({
  plugins: [reportServiceWorker()],
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

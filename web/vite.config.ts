// SPDX-License-Identifier: Apache-2.0
// Vite build of the dashboard into dist/web (served by `femeter serve`). No CDN: everything is bundled.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
    root: fileURLToPath(new URL('.', import.meta.url)),
    base: './',
    resolve: {
        alias: {
            'node:crypto': fileURLToPath(new URL('./src/node-crypto.ts', import.meta.url)),
        },
    },
    build: {
        outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
        emptyOutDir: true,
        target: 'es2022',
        chunkSizeWarningLimit: 2048,
    },
});

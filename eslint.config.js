// ESLint flat config: typescript-eslint strict + stylistic, both type-checked, over src/, test/ and
// bench/. Formatting is Prettier's job (`npm run format:check`), so no formatting rules here.
// Type information comes from the `typescript` package (6.0.x, the JS API typescript-eslint needs);
// the build itself compiles with TypeScript 7 (`typescript7`), see package.json.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    {
        ignores: ['dist/', 'node_modules/', 'native/', 'bench-results/', 'test/fabric-network/'],
    },
    js.configs.recommended,
    {
        files: ['**/*.ts'],
        extends: [tseslint.configs.strictTypeChecked, tseslint.configs.stylisticTypeChecked],
        languageOptions: {
            parserOptions: {
                projectService: true,
                tsconfigRootDir: import.meta.dirname,
            },
        },
        rules: {
            // Numbers (incl. bigint) and booleans print unambiguously in messages and ids; nullish, any,
            // objects and arrays stay forbidden (they print as 'undefined' / '[object Object]').
            '@typescript-eslint/restrict-template-expressions': [
                'error',
                { allowNumber: true, allowBoolean: true },
            ],
            // A leading underscore marks a parameter or binding kept for its position or signature.
            '@typescript-eslint/no-unused-vars': [
                'error',
                {
                    argsIgnorePattern: '^_',
                    varsIgnorePattern: '^_',
                    caughtErrorsIgnorePattern: '^_',
                    destructuredArrayIgnorePattern: '^_',
                },
            ],
            // A `let` read by a closure before its single assignment (subscribe-then-wake) stays `let`.
            'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
            // node:test's test()/describe() return promises the runner itself tracks.
            '@typescript-eslint/no-floating-promises': [
                'error',
                {
                    allowForKnownSafeCalls: [
                        {
                            from: 'package',
                            package: 'node:test',
                            name: ['test', 'describe', 'it', 'suite'],
                        },
                    ],
                },
            ],
        },
    },
    {
        // Contract transactions and hooks are async by fabric-contract-api's interface: the
        // runtime awaits them, and a throw must surface as a rejection, not a synchronous throw.
        files: ['src/contract/**/*.ts', 'test/ledger/fixtures/kv-contract.ts'],
        rules: { '@typescript-eslint/require-await': 'off' },
    },
    {
        // Tests and benchmarks index fixtures they have just built (noUncheckedIndexedAccess makes
        // every such read `T | undefined`); a wrong `!` there fails the run loudly, so the
        // assertion is allowed outside src/.
        files: ['test/**/*.ts', 'bench/**/*.ts'],
        rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
    },
    {
        // The arithmetic core indexes arrays inside loops bounded by their length (vectors, MSM
        // buckets, table probes); a runtime check per element would cost in the hottest paths and
        // could never fire, so `!` is allowed in src/fe/ only.
        files: ['src/fe/**/*.ts'],
        rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
    },
    {
        files: ['**/*.js', '**/*.mjs'],
        extends: [tseslint.configs.disableTypeChecked],
    },
);

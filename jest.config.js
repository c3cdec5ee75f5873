/**
 * Jest runs the TypeScript sources through ts-jest; Azurite is started once for the whole run.
 * The product's lazy loads are dynamic import()s (split points for the deployed bundle). Jest's
 * CommonJS runtime cannot run a native import() without --experimental-vm-modules, so ts-jest
 * compiles for CommonJS, which turns import() into require(); tsc still type-checks the sources
 * with the project's own nodenext settings (npm run typecheck).
 */
const { compilerOptions } = require('./tsconfig.json');

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // nodenext wants './runtime.js' in an import(); jest resolves the TypeScript file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: { ...compilerOptions, types: ['node', 'jest'], module: 'commonjs', moduleResolution: 'bundler', isolatedModules: true },
      },
    ],
  },
  globalSetup: '<rootDir>/tests/support/globalSetup.ts',
  globalTeardown: '<rootDir>/tests/support/globalTeardown.ts',
  testTimeout: 30000,
};

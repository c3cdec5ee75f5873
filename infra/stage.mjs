/**
 * Makes dist/app the whole package that Azure runs, and the one folder both deploy tools publish
 * (azure.yaml `dist: dist/app`; the README runs `func azure functionapp publish` from it): the
 * bundle infra/bundle.mjs wrote there, host.json, a package.json whose "main" is the bundle's
 * entry, and a .funcignore. Nothing of the development folder is in it, so neither tool can
 * upload a user's state file, .env or .azure/ folder, whatever its ignore rules make of them.
 *
 * Usage: node infra/stage.mjs (npm run build runs it after the bundle).
 */
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './esbuildOptions.mjs';

const out = join(root, 'dist/app');
const project = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

copyFileSync(join(root, 'host.json'), join(out, 'host.json'));

// tsc writes the command line 0644, and npx's link to package.json "bin" points at that very
// file: after any rebuild, `npx zoho-backup-notifier` would answer "Permission denied".
chmodSync(join(root, project.bin['zoho-backup-notifier']), 0o755);

// No dependencies: the bundle carries them, so a build on Azure (were one ever asked for) has
// nothing to install. The worker reads "main"; the rest says what the package is.
const { name, version, description, license, engines } = project;
const manifest = { name, version, description, license, private: true, main: 'index.mjs', engines };
writeFileSync(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

// azd drops node_modules folders at any depth from a function app that has no .funcignore (and
// dist/app/node_modules holds the bundle's lazily loaded SDKs); Core Tools never uploads this
// file itself. Nothing in this folder is to be left out.
writeFileSync(
  join(out, '.funcignore'),
  '# Written by infra/stage.mjs. This folder is the package as it runs on Azure: nothing in it is left out.\n',
);

#!/usr/bin/env node
// `npx ticket-audit <command>`: the operator's and auditor's command line (apps/cli), built on demand.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const root = join(__dirname, '..');
execFileSync(process.execPath, [join(root, 'scripts/ensure-built.mjs')], { cwd: root, stdio: 'inherit' });
require(join(root, 'dist/apps/cli/src/main.js'));

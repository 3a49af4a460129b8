#!/usr/bin/env node
'use strict';
// The bundled CLI (dist/) when built, else the compiled sources (out/).
const fs = require('fs');
const path = require('path');
const bundled = path.join(__dirname, '..', 'dist', 'cli.js');
const { main } = require(fs.existsSync(bundled) ? bundled : path.join(__dirname, '..', 'out', 'src', 'cli', 'main.js'));
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

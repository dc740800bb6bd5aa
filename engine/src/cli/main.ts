#!/usr/bin/env node
import { NexusError } from '../errors.js';
import { runEngineCommand } from './commands.js';

runEngineCommand(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof NexusError ? `${error.code}: ${error.message}` : error);
    process.exitCode = 1;
  },
);

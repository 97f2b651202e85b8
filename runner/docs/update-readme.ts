// `npm run docs`: regenerate the README's pipeline reference from the schemas.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { updateReadme } from './reference.ts';

const path = resolve(import.meta.dirname, '../../README.md');
writeFileSync(path, updateReadme(readFileSync(path, 'utf8')));
console.log(`updated the pipeline reference in ${path}`);

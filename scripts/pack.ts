// Packs every public package into one folder, as the registry would serve them: node --import tsx scripts/pack.ts [dir]
import { resolve } from 'node:path';
import { packAll, publicPackages } from './packages.js';

const dest = resolve(process.argv[2] ?? 'tarballs');
const tarballs = await packAll(publicPackages(), dest);
for (const file of tarballs.values()) console.log(file);

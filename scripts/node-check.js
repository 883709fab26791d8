// Plain JavaScript on purpose: it must run on any Node.js to say which one Flowdeck needs (package.json engines).
import { readFileSync } from 'node:fs';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const required = Number(/\d+/.exec(engines.node)?.[0] ?? 24);
if (Number(process.versions.node.split('.')[0]) < required) {
	console.error(
		`\u2717 Flowdeck needs Node.js ${required} or newer, but this is ${process.version} (${process.execPath}).\n` +
			`  In a development checkout: run npm rebuild node (the node devDependency brings Node ${required} to every npm script).\n` +
			`  In a production install (npm ci --omit=dev): install Node.js ${required} on the server (docs/deployment.md).`
	);
	process.exit(1);
}

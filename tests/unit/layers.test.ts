/**
 * The layers of src/lib (docs/architecture.md): folders import each other in one direction only. Reads every
 * module's import specifiers and fails on any cycle between folders (a file directly in src/lib counts as its own
 * node), naming the imports that close it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const lib = resolve(import.meta.dirname, '../../src/lib');

function modules(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return modules(path);
		return /\.(ts|svelte)$/.test(entry.name) ? [path] : [];
	});
}

/** The node of a module: its top folder under src/lib, or the file itself when it sits in src/lib. */
const nodeOf = (file: string) => relative(lib, file).split('/')[0]!;

function importsOf(file: string): string[] {
	const text = readFileSync(file, 'utf8');
	const specifiers = [...text.matchAll(/(?:^|\s)(?:import|export)\s[^'";]*?from\s+'([^']+)'|import\s+'([^']+)'|import\('([^']+)'\)/g)].map((match) => match[1] ?? match[2] ?? match[3]!);
	return specifiers.flatMap((specifier) => {
		if (specifier.startsWith('#lib/')) return [join(lib, specifier.slice('#lib/'.length))];
		if (specifier.startsWith('.')) return [resolve(dirname(file), specifier)];
		return [];
	});
}

/** Folder-level edges, each with one import that makes it. */
function folderGraph(): Map<string, Map<string, string>> {
	const graph = new Map<string, Map<string, string>>();
	for (const file of modules(lib)) {
		const from = nodeOf(file);
		for (const target of importsOf(file)) {
			if (relative(lib, target).startsWith('..')) continue;
			const to = nodeOf(target);
			if (to === from) continue;
			const edges = graph.get(from) ?? new Map<string, string>();
			edges.set(to, edges.get(to) ?? `${relative(lib, file)} -> ${relative(lib, target)}`);
			graph.set(from, edges);
		}
	}
	return graph;
}

/** Every cycle's edges, found by walking from each node (the graph has a dozen nodes). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
	const found: string[][] = [];
	const walk = (start: string, node: string, path: string[], seen: Set<string>) => {
		for (const [next, why] of graph.get(node) ?? []) {
			if (next === start) found.push([...path, why]);
			else if (!seen.has(next) && next > start) walk(start, next, [...path, why], new Set([...seen, next]));
		}
	};
	for (const node of graph.keys()) walk(node, node, [], new Set([node]));
	return found;
}

describe('src/lib layers', () => {
	const graph = folderGraph();

	it('has no import cycle between folders', () => {
		expect(cycles(graph)).toEqual([]);
	});

	it('keeps prefect/ at the ground and server/ out of auth/', () => {
		// prefect/ may use only modules that import nothing themselves (format.ts, json.ts).
		const isLeaf = (name: string) => name.endsWith('.ts') && (graph.get(name)?.size ?? 0) === 0;
		expect([...(graph.get('prefect')?.keys() ?? [])].filter((to) => !isLeaf(to))).toEqual([]);
		expect(graph.get('server')?.has('auth') ?? false).toBe(false);
	});

	it('sees the imports it checks', () => {
		expect(graph.get('auth')?.has('server')).toBe(true);
		expect(graph.get('server')?.has('prefect')).toBe(true);
	});
});

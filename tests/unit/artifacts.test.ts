import { describe, expect, it } from 'vitest';
import { parseTable, toArtifactView } from '#lib/artifacts/artifacts.ts';
import { parseInline, parseMarkdown } from '#lib/artifacts/markdown.ts';

describe('table artifacts', () => {
	it('reads the three shapes Prefect stores (records, lists, columns) as text cells', () => {
		expect(parseTable('[{"table": "table-001", "status": "completed"}, {"table": "table-002", "rows": 5}]')).toEqual({
			columns: ['table', 'status', 'rows'],
			rows: [
				['table-001', 'completed', ''],
				['table-002', '', '5']
			],
			total: 2
		});
		expect(
			parseTable([
				[1, null],
				[2, { a: 1 }]
			])
		).toEqual({
			columns: ['1', '2'],
			rows: [
				['1', ''],
				['2', '{"a":1}']
			],
			total: 2
		});
		expect(parseTable('{"name": ["a", "b"], "n": [1]}')).toEqual({
			columns: ['name', 'n'],
			rows: [
				['a', '1'],
				['b', '']
			],
			total: 2
		});
		expect(parseTable('not json')).toBeNull();
	});

	it('keeps the true row count when it shows only the first rows', () => {
		const big = parseTable(Array.from({ length: 1200 }, (_, index) => ({ index })));
		expect(big?.rows).toHaveLength(500);
		expect(big?.total).toBe(1200);
	});

	it('shows an unknown or malformed artifact as text', () => {
		const view = toArtifactView({ id: 'a', created: '2026-01-01T00:00:00Z', type: 'table', data: '{broken', key: 'k' });
		expect(view.body).toEqual({ kind: 'text', text: '{broken' });
	});
});

describe('markdown artifacts', () => {
	it('never produces HTML: raw tags stay text, and only http(s)/mailto links are links', () => {
		const blocks = parseMarkdown('<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://example.com) <img src=x onerror=alert(1)>');
		expect(blocks[0]).toEqual({ kind: 'paragraph', content: [{ kind: 'text', text: '<script>alert(1)</script>' }] });
		const second = blocks[1];
		expect(second?.kind).toBe('paragraph');
		const pieces = second?.kind === 'paragraph' ? second.content : [];
		expect(pieces.filter((piece) => piece.kind === 'link')).toEqual([{ kind: 'link', href: 'https://example.com', children: [{ kind: 'text', text: 'ok' }] }]);
		expect(JSON.stringify(pieces)).not.toContain('javascript:');
	});

	it('parses headings, lists, code, quotes, tables and inline styles', () => {
		const blocks = parseMarkdown('# Summary\n\n- **2** done\n- `x` *left*\n\n```\nraw <b>\n```\n\n> note\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n---');
		expect(blocks.map((block) => block.kind)).toEqual(['heading', 'list', 'code', 'quote', 'table', 'rule']);
		expect(blocks[2]).toEqual({ kind: 'code', text: 'raw <b>' });
		expect(parseInline('**2** done')).toEqual([
			{ kind: 'strong', children: [{ kind: 'text', text: '2' }] },
			{ kind: 'text', text: ' done' }
		]);
	});
});

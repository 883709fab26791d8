/**
 * The Markdown of Prefect's markdown artifacts, parsed into plain blocks and inline pieces that a component
 * renders as text: raw HTML in an artifact is shown as text, never injected (there is no HTML string at all),
 * and only http(s) and mailto links become links. Covers what flows write: headings, paragraphs, lists,
 * fenced code, quotes, pipe tables, rules; inline code, bold, italic and links.
 */

export type Inline =
	{ kind: 'text'; text: string } | { kind: 'code'; text: string } | { kind: 'strong'; children: Inline[] } | { kind: 'em'; children: Inline[] } | { kind: 'link'; href: string; children: Inline[] };

export type Block =
	| { kind: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; content: Inline[] }
	| { kind: 'paragraph'; content: Inline[] }
	| { kind: 'list'; ordered: boolean; items: Inline[][] }
	| { kind: 'code'; text: string }
	| { kind: 'quote'; content: Inline[] }
	| { kind: 'table'; header: Inline[][]; rows: Inline[][][] }
	| { kind: 'rule' };

const safeHref = (href: string): string | null => (/^(https?:\/\/|mailto:)/i.test(href.trim()) ? href.trim() : null);

/** Inline Markdown: `code`, **strong**, *em* / _em_, [text](url). Anything else stays text. */
export function parseInline(source: string): Inline[] {
	const out: Inline[] = [];
	let text = '';
	const flush = () => {
		if (text) out.push({ kind: 'text', text });
		text = '';
	};
	let index = 0;
	while (index < source.length) {
		const rest = source.slice(index);
		const code = /^`([^`]+)`/.exec(rest);
		const strong = /^(\*\*|__)(?=\S)([\s\S]*?\S)\1/.exec(rest);
		const em = /^(\*|_)(?=\S)([\s\S]*?\S)\1/.exec(rest);
		const link = /^\[([^\]]*)\]\(([^)\s]*)\)/.exec(rest);
		if (code) {
			flush();
			out.push({ kind: 'code', text: code[1]! });
			index += code[0].length;
		} else if (strong) {
			flush();
			out.push({ kind: 'strong', children: parseInline(strong[2]!) });
			index += strong[0].length;
		} else if (em) {
			flush();
			out.push({ kind: 'em', children: parseInline(em[2]!) });
			index += em[0].length;
		} else if (link) {
			const href = safeHref(link[2]!);
			flush();
			if (href) out.push({ kind: 'link', href, children: parseInline(link[1]!) });
			else out.push(...parseInline(link[1]!));
			index += link[0].length;
		} else {
			text += source[index];
			index += 1;
		}
	}
	flush();
	return out;
}

const tableCells = (line: string): string[] =>
	line
		.trim()
		.replace(/^\|/, '')
		.replace(/\|$/, '')
		.split('|')
		.map((cell) => cell.trim());
const isTableDivider = (line: string | undefined): boolean => !!line && /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/.test(line);

export function parseMarkdown(source: string): Block[] {
	const lines = source.replace(/\r\n?/g, '\n').split('\n');
	const blocks: Block[] = [];
	let index = 0;
	while (index < lines.length) {
		const line = lines[index]!;
		if (!line.trim()) {
			index += 1;
			continue;
		}
		const fence = /^\s*(```|~~~)/.exec(line);
		if (fence) {
			const body: string[] = [];
			index += 1;
			while (index < lines.length && !lines[index]!.trim().startsWith(fence[1]!)) body.push(lines[index++]!);
			index += 1;
			blocks.push({ kind: 'code', text: body.join('\n') });
			continue;
		}
		const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
		if (heading) {
			blocks.push({ kind: 'heading', level: heading[1]!.length as 1 | 2 | 3 | 4 | 5 | 6, content: parseInline(heading[2]!) });
			index += 1;
			continue;
		}
		if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
			blocks.push({ kind: 'rule' });
			index += 1;
			continue;
		}
		if (line.includes('|') && isTableDivider(lines[index + 1])) {
			const header = tableCells(line).map(parseInline);
			const rows: Inline[][][] = [];
			index += 2;
			while (index < lines.length && lines[index]!.includes('|') && lines[index]!.trim()) rows.push(tableCells(lines[index++]!).map(parseInline));
			blocks.push({ kind: 'table', header, rows });
			continue;
		}
		const item = /^\s*([-*+]|\d+[.)])\s+/;
		if (item.test(line)) {
			const ordered = /^\s*\d/.test(line);
			const items: Inline[][] = [];
			while (index < lines.length && item.test(lines[index]!)) items.push(parseInline(lines[index++]!.replace(item, '')));
			blocks.push({ kind: 'list', ordered, items });
			continue;
		}
		if (/^\s*>/.test(line)) {
			const body: string[] = [];
			while (index < lines.length && /^\s*>/.test(lines[index]!)) body.push(lines[index++]!.replace(/^\s*>\s?/, ''));
			blocks.push({ kind: 'quote', content: parseInline(body.join(' ')) });
			continue;
		}
		const body: string[] = [lines[index++]!.trim()];
		while (index < lines.length && lines[index]!.trim() && !/^(#{1,6}\s|\s*(```|~~~)|\s*([-*+]|\d+[.)])\s|\s*>)/.test(lines[index]!)) body.push(lines[index++]!.trim());
		blocks.push({ kind: 'paragraph', content: parseInline(body.join(' ')) });
	}
	return blocks;
}

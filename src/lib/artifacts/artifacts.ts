/**
 * Prefect artifacts as the run page shows them: a table artifact as columns and rows of text, a markdown one as
 * parsed blocks (markdown.ts), a link as a link when it is http(s); anything else as its JSON text.
 */
import type { Artifact } from '#lib/prefect/schemas.ts';
import { parseInline, parseMarkdown, type Block, type Inline } from './markdown.ts';

/** Rows of a table artifact the page shows (the count says how many there are). */
export const ARTIFACT_TABLE_ROWS = 500;

export interface ArtifactTable {
	columns: string[];
	rows: string[][];
	total: number;
}

export interface ArtifactView {
	id: string;
	key: string | null;
	type: string;
	description: Inline[];
	created: string;
	flowRunId: string | null;
	body: { kind: 'table'; table: ArtifactTable } | { kind: 'markdown'; blocks: Block[] } | { kind: 'text'; text: string };
}

/** The artifacts a run page shows: of the run and its descendants, newest first. */
export interface RunArtifacts {
	artifacts: ArtifactView[];
	/** More exist than the page shows (the newest first). */
	truncated: boolean;
}

const cellText = (value: unknown): string => (value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));

/** Prefect stores a table as JSON text: a list of records, a list of lists, or a record of columns. */
export function parseTable(data: unknown): ArtifactTable | null {
	let value = data;
	if (typeof value === 'string') {
		try {
			value = JSON.parse(value);
		} catch {
			return null;
		}
	}
	let columns: string[] = [];
	let rows: unknown[][] = [];
	if (Array.isArray(value) && value.every((row) => Array.isArray(row))) {
		const width = Math.max(0, ...value.map((row: unknown[]) => row.length));
		columns = Array.from({ length: width }, (_, index) => String(index + 1));
		rows = value as unknown[][];
	} else if (Array.isArray(value) && value.every((row) => row !== null && typeof row === 'object')) {
		columns = [...new Set(value.flatMap((row: Record<string, unknown>) => Object.keys(row)))];
		rows = value.map((row: Record<string, unknown>) => columns.map((column) => row[column]));
	} else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every(Array.isArray)) {
		const record = value as Record<string, unknown[]>;
		columns = Object.keys(record);
		const height = Math.max(0, ...columns.map((column) => record[column]!.length));
		rows = Array.from({ length: height }, (_, index) => columns.map((column) => record[column]![index]));
	} else return null;
	return { columns, rows: rows.slice(0, ARTIFACT_TABLE_ROWS).map((row) => row.map(cellText)), total: rows.length };
}

export function toArtifactView(artifact: Artifact): ArtifactView {
	const type = artifact.type ?? 'unknown';
	const data = artifact.data;
	const table = type === 'table' ? parseTable(data) : null;
	const body: ArtifactView['body'] = table
		? { kind: 'table', table }
		: (type === 'markdown' || type === 'link') && typeof data === 'string'
			? { kind: 'markdown', blocks: parseMarkdown(data) }
			: { kind: 'text', text: typeof data === 'string' ? data : JSON.stringify(data ?? null, null, 2) };
	return {
		id: artifact.id,
		key: artifact.key ?? null,
		type,
		description: artifact.description ? parseInline(artifact.description) : [],
		created: artifact.created,
		flowRunId: artifact.flow_run_id ?? null,
		body
	};
}

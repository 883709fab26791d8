/**
 * The workbench's sign-in page read with a real HTML parser (parse5, the WHATWG algorithm browsers use): every
 * character reference decoded (`&#43;` included: Go's html/template writes `+` that way), comments, scripts and
 * templates are not forms, and the forms are what a browser would submit. Used for the hidden anti-CSRF field and
 * by npm run test:auth to check that the configured login URL and field names match the page.
 */
import { parse, type DefaultTreeAdapterTypes } from 'parse5';

type Node = DefaultTreeAdapterTypes.Node;
type Element = DefaultTreeAdapterTypes.Element;

export interface LoginForm {
	/** Where the form posts, resolved against the page's URL (the page itself when it has no action). */
	action: string;
	method: string;
	/** Field names in document order, with their initial values (hidden fields carry their token here). */
	fields: Array<{ name: string; type: string; value: string }>;
}

const isElement = (node: Node): node is Element => 'tagName' in node;
const attribute = (element: Element, name: string) => element.attrs.find((attr) => attr.name === name)?.value;

/** Elements in document order; `<template>` contents are inert (not part of the page's forms), so they are skipped. */
function* elements(node: Node): Generator<Element> {
	if (isElement(node)) yield node;
	if ('childNodes' in node && !(isElement(node) && node.tagName === 'template')) for (const child of node.childNodes) yield* elements(child);
}

/** Every form of the page with its submittable fields (inputs, selects, textareas, buttons with a name). */
export function loginForms(html: string, pageUrl: string): LoginForm[] {
	const forms: LoginForm[] = [];
	for (const element of elements(parse(html))) {
		if (element.tagName !== 'form') continue;
		let action = pageUrl;
		try {
			action = new URL(attribute(element, 'action') || pageUrl, pageUrl).href;
		} catch {
			// An action that is not a URL: the form posts nowhere useful; keep the page's.
		}
		const fields = [...elements(element)]
			.filter((field) => ['input', 'select', 'textarea', 'button'].includes(field.tagName) && attribute(field, 'name'))
			.map((field) => ({ name: attribute(field, 'name')!, type: (attribute(field, 'type') ?? (field.tagName === 'input' ? 'text' : field.tagName)).toLowerCase(), value: attribute(field, 'value') ?? '' }));
		forms.push({ action, method: (attribute(element, 'method') ?? 'get').toLowerCase(), fields });
	}
	return forms;
}

/** The value of the field `name` in the page's forms (the first form that has it), decoded; undefined when none has it. */
export function formFieldValue(html: string, name: string, pageUrl = 'http://workbench.invalid/'): string | undefined {
	for (const form of loginForms(html, pageUrl)) {
		const field = form.fields.find((candidate) => candidate.name === name);
		if (field) return field.value;
	}
	return undefined;
}

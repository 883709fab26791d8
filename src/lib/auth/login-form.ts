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
			.map((field) => ({
				name: attribute(field, 'name')!,
				type: (attribute(field, 'type') ?? (field.tagName === 'input' ? 'text' : field.tagName)).toLowerCase(),
				value: attribute(field, 'value') ?? ''
			}));
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

export interface FormSettings {
	loginUrl: string;
	usernameField: string;
	passwordField: string;
}

/** What a sign-in page says about the settings: they match its form, the field names differ, or the form posts elsewhere. */
export type FormCheck = { verdict: 'match' | 'field-names' | 'login-url' | 'no-form'; message: string };

const withoutHash = (url: string) => url.replace(/#.*$/, '');

/** Compares the sign-in form(s) of a page (at `pageUrl`) with WORKBENCH_LOGIN_URL and the field names. */
export function checkLoginForm(html: string, pageUrl: string, settings: FormSettings): FormCheck {
	const forms = loginForms(html, pageUrl).filter((form) => form.fields.some((field) => field.type === 'password'));
	if (forms.length === 0) return { verdict: 'no-form', message: `no sign-in form (a form with a password field) on ${pageUrl}` };
	const target = forms.find((form) => withoutHash(form.action) === withoutHash(new URL(settings.loginUrl).href));
	if (!target) {
		return {
			verdict: 'login-url',
			message: `the sign-in form on ${pageUrl} posts to ${forms.map((form) => form.action).join(' or ')}, not to WORKBENCH_LOGIN_URL: set WORKBENCH_LOGIN_URL=${forms[0]!.action}`
		};
	}
	const names = target.fields.map((field) => field.name);
	const missing = [settings.usernameField, settings.passwordField].filter((name) => !names.includes(name));
	if (missing.length === 0) return { verdict: 'match', message: `the sign-in form on ${pageUrl} posts to WORKBENCH_LOGIN_URL with fields ${settings.usernameField} / ${settings.passwordField}` };
	const password = target.fields.find((field) => field.type === 'password')?.name;
	const username = target.fields.find((field) => ['text', 'email'].includes(field.type))?.name;
	const suggestion = [username && `WORKBENCH_USERNAME_FIELD=${username}`, password && `WORKBENCH_PASSWORD_FIELD=${password}`].filter(Boolean).join(' ');
	return {
		verdict: 'field-names',
		message: `the sign-in form on ${pageUrl} has no field ${missing.join(' or ')} (its fields: ${names.join(', ')})${suggestion ? `: set ${suggestion}` : ''}`
	};
}

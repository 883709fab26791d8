/** The query parameter that asks for the run page whole instead of streamed: what a browser without JavaScript needs (its <noscript> goes there). */
export const WHOLE_PAGE = 'whole';

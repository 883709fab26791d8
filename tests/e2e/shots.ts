/** Page helpers: waiting for a page to be live, and screenshots for docs/ui.md taken while tests look at real pages. */
import { expect, type Page } from '@playwright/test';

/** Opens a page and waits for hydration (the timezone switch is enabled then): typing earlier would be overwritten. */
export async function openLive(page: Page, url: string): Promise<void> {
	await page.goto(url);
	await expect(page.getByTestId('utc-toggle')).toBeEnabled();
}

export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** docs/images/ only when asked (npm run docs:shots sets FLOWDECK_DOCS_SHOTS=1): a plain test run leaves the tree clean. */
const shotsDir = process.env.FLOWDECK_DOCS_SHOTS === '1' ? 'docs/images' : 'test-results/screenshots';

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
	await page.screenshot({ path: `${shotsDir}/${name}.png`, fullPage, animations: 'disabled' });
}

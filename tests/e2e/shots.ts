/** Screenshots for docs/ui.md, taken while the tests look at real pages. */
import type { Page } from '@playwright/test';

export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
	await page.screenshot({ path: `docs/images/${name}.png`, fullPage, animations: 'disabled' });
}

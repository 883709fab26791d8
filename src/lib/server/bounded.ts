/** Many calls without flooding Prefect: `task` for every item, at most `inFlight` at once, results in order. */
export async function mapBounded<T, R>(items: readonly T[], task: (item: T) => Promise<R>, inFlight: number): Promise<R[]> {
	const results: R[] = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await task(items[index] as T);
		}
	};
	await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, worker));
	return results;
}

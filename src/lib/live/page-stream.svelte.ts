/** A page's live stream as reactive state: the page data from `snapshot`/`page` events, the status for LiveStatus. */
import type { PageEvents, UpstreamStatus } from '#lib/live-events.ts';
import { openLiveStream, type LiveStatus } from './stream.ts';

export class LivePage {
	status: LiveStatus = $state('connecting');
	/** Null until Prefect is known to be unreachable, and again once the stream has fresh data. */
	upstream: UpstreamStatus | null = $state(null);

	/** Opens the stream at `url`; `onData` gets every page it sends. Returns the close function (an $effect's cleanup). */
	open<T>(url: string, onData: (data: T) => void): () => void {
		const fresh = (data: T) => {
			this.upstream = null;
			onData(data);
		};
		return openLiveStream<PageEvents<T>>(url, { snapshot: fresh, page: fresh, upstream: (upstream) => (this.upstream = upstream) }, (status) => (this.status = status));
	}
}

/** Prefect's own state colours (chart, badge background, badge text), so runs look the same as in Prefect. */
import type { StateType } from '#lib/prefect/schemas.ts';

export interface StateColours {
	chart: string;
	bg: string;
	text: string;
}

const grey: StateColours = { chart: '#A99FAD', bg: '#D0CBD2', text: '#554B58' };
const cancelled: StateColours = { chart: '#3D3D3D', bg: '#CCCCCC', text: '#333333' };

export const stateColours: Record<StateType, StateColours> = {
	COMPLETED: { chart: '#2AC769', bg: '#DEF8F0', text: '#219D4B' },
	FAILED: { chart: '#FB4E4E', bg: '#FED6BE', text: '#DE0529' },
	RUNNING: { chart: '#1860F2', bg: '#D9E0FD', text: '#09439B' },
	SCHEDULED: { chart: '#FCD14E', bg: '#FBFEDA', text: '#E08504' },
	PENDING: grey,
	PAUSED: grey,
	CANCELLED: cancelled,
	CANCELLING: cancelled,
	CRASHED: { chart: '#F97316', bg: '#FFF7ED', text: '#EA580C' }
};

export const coloursOf = (type: StateType | null): StateColours => (type ? stateColours[type] : grey);

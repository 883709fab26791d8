/**
 * What Flowdeck decides from a state type, in one place: final (a run is over), active (under way: live views
 * poll fast), failed (what "re-run failed children" repeats). The types themselves are the wire's (schemas.ts).
 */
import type { StateType } from './schemas.ts';

export const finalStateTypes: readonly StateType[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'];
/** A run in one of these is under way: live views poll fast while they show one. */
export const activeStateTypes: readonly StateType[] = ['RUNNING', 'PENDING', 'CANCELLING'];

export const isFinalState = (type: StateType | null): boolean => type !== null && finalStateTypes.includes(type);

export const isActiveState = (type: StateType | null): boolean => type !== null && activeStateTypes.includes(type);

/** Failed or crashed: what "re-run failed children" repeats (a cancelled run was stopped on purpose). */
export const isFailedState = (type: StateType | null): boolean => type === 'FAILED' || type === 'CRASHED';

/** What a retry in place (back to AwaitingRetry) applies to: failed, crashed or cancelled. */
export const isRetryableState = (type: StateType | null): boolean => isFailedState(type) || type === 'CANCELLED';

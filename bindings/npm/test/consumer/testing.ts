// Type-checked by `tsc --noEmit`: 'xengage/testing' with its declared types.
import { sampleAnswer, XengageError, type SampleAnswer } from 'xengage/testing';

const answer: SampleAnswer = sampleAnswer({ endpoint: 'totals', postIds: ['1'], metrics: ['favorites'] }, 1, { now: new Date() });
const status: number = answer.status;
const body: string = answer.body;
const type: string | undefined = answer.headers['content-type'];
const error: typeof XengageError = XengageError;
export { status, body, type, error };

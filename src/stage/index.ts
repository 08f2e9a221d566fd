export { StageStore, StageNotFoundError, defaultStageDir } from './stage-store';

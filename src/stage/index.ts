export { StageStore, StageNotFoundError, StageDirError, defaultStageDir } from './stage-store';
export { STAGE_DIR_MODE, STAGE_FILE_MODE } from './container';

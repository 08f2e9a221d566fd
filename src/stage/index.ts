export { StageStore, StageNotFoundError, StageDirError, StageLayoutError, STAGE_LAYOUT_VERSION, defaultStageDir } from './stage-store';
export { STAGE_DIR_MODE, STAGE_FILE_MODE } from './container';

export * from './smoke';
export { extractSource } from './extract';
export { engineerFeatures } from './engineer';
export { scoreCandidate } from './score';
export { fitSegments } from './cluster';
export { explainSegments } from './explain';
export { writeSegments } from './writeBack';
export { writeReport } from './report';
export { finishRun } from './finish';

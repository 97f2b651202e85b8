// Stage params for tests as a pipeline run hands them to a stage: runner/spec/stage-params.ts, the loader's own ajv
// pass, so a test never repeats a schema default and a param the schema refuses fails here.
export { stageParams } from '../../runner/spec/stage-params.ts';

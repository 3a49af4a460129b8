/**
 * The detector, scikit-learn / PyOD style: options in the constructor, `fit` learns and returns the
 * detector, `scoreSamples` is higher = more anomalous, `decisionFunction` is the score minus the learned
 * threshold, `predict` applies the threshold learned in `fit`, `evaluate` measures against labels.
 * `Detector` (detectors/base.ts) is one class for every method; each method is a class of its own in the
 * method registry (detectors/method.ts). Importing this module registers the built-in ones:
 * detectors/classifier.ts (vcsa, vc), detectors/forest.ts (iforest), detectors/boosted.ts (gbt-sa, gbt) and
 * detectors/ensemble.ts (auto, last: its members are the methods registered before it).
 */
export {
  Detector,
  predictFromScores,
  quantileThreshold,
  checkScoringColumns,
  setWarningSink,
  scoringWarnings,
  OUT_OF_RANGE,
  MAX_MATRIX_VALUES,
} from './detectors/base';
export type {
  TopRow,
  FitHooks,
  TrainingSummary,
  FittedState,
  OutOfRange,
  ScoreDetails,
  TrainingRows,
} from './detectors/base';
export { checkSavedModel, checkUnder, methodClass, methodNames, registerMethod } from './detectors/method';
export type {
  FitInput,
  MethodClass,
  MethodFit,
  MethodModel,
  MemberFigures,
  MemberScores,
  ModelFileReader,
  ModelFileWriter,
  SavedCheck,
} from './detectors/method';
export { ClassifierMethod, classifierData } from './detectors/classifier';
export type { ClassifierOptions } from './detectors/classifier';
export { IsolationForestMethod } from './detectors/forest';
export type { IsolationForestOptions } from './detectors/forest';
export { BoostedTreesMethod } from './detectors/boosted';
export type { BoostedOptions } from './detectors/boosted';
export { EnsembleMethod } from './detectors/ensemble';
export type { EnsembleOptions } from './detectors/ensemble';
export type { MlpWeights } from './network';

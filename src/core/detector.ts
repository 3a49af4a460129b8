/**
 * The detectors, scikit-learn / PyOD style: options in the constructor, `fit` learns and returns the
 * detector, `scoreSamples` is higher = more anomalous, `decisionFunction` is the score minus the learned
 * threshold, `predict` applies the threshold learned in `fit`, `evaluate` measures against labels.
 * `new Detector({ method })` builds the method's class: `ClassifierDetector` (vcsa, vc) in
 * detectors/classifier.ts or `IsolationForestDetector` (iforest) in detectors/forest.ts; what they share
 * is in detectors/base.ts.
 */
export {
  Detector, predictFromScores, quantileThreshold, checkScoringColumns, setWarningSink, scoringWarnings, OUT_OF_RANGE, MAX_MATRIX_VALUES,
} from './detectors/base';
export type {
  TopRow, FitHooks, TrainingSummary, FittedState, FittedBase, ClassifierState, ForestState, OutOfRange, ScoreDetails, DetectorClass, TrainingRows,
} from './detectors/base';
export { ClassifierDetector, classifierData } from './detectors/classifier';
export { IsolationForestDetector } from './detectors/forest';
export type { MlpWeights } from './network';

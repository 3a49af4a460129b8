/**
 * An evaluation report: what `Detector.evaluate` returns and every shell (notebook, CLI, bench) shows.
 * Its tables (text, markdown, HTML, the renderer's) are built in src/presentation/reportTable.ts.
 */
import type { Dataset } from './data/types';
import { SynthadInputError } from './errors';
import { confusionAt, Confusion, overallMetrics, perTypeMetrics, rankableScores, TypeMetrics } from './metrics';
import { requireLabel } from './split';

export interface EvaluationReport {
  readonly detector: string;
  readonly source: string;
  readonly rows: number;
  readonly normalRows: number;
  readonly anomalyRows: number;
  /** Rows with an unknown (empty) label in partly labelled data: left out of every metric. */
  readonly unknownRows: number;
  readonly auroc: number;
  readonly aupr: number;
  /** Score above which a row is predicted anomalous (set in fit at the target FPR). */
  readonly threshold: number;
  readonly atThreshold: Confusion;
  /** Per anomaly type: all normals against that type; `known` = seen in training. */
  readonly perType: ReadonlyArray<TypeMetrics>;
  readonly knownTypes: ReadonlyArray<string>;
  readonly unseenTypes: ReadonlyArray<string>;
  /** Per categorical column, test cells whose category was not seen in training. */
  readonly unknownCategories: Readonly<Record<string, number>>;
  /** One-line warnings from scoring (unseen categories, rows scored +Infinity); absent when there were none. */
  readonly warnings?: ReadonlyArray<string>;
  /**
   * An ensemble's members on the same rows: each one's own AUROC and AUPR (overall and per type) next to its
   * weight and calibration figures; absent for other methods.
   */
  readonly members?: ReadonlyArray<MemberReport>;
  /** Per-row data for charts: anomaly score, label text, 1 = normal. */
  readonly scores: Float64Array;
  readonly labels: ReadonlyArray<string>;
  readonly isNormal: Uint8Array;
}

export function buildReport(
  detector: string,
  ds: Dataset,
  scores: Float64Array,
  threshold: number,
  knownTypes: ReadonlyArray<string>,
  unknownCategories: Readonly<Record<string, number>>,
): EvaluationReport {
  scores = rankableScores(scores, threshold);
  const full = requireLabel(ds, 'evaluation');
  const unknownRows = full.unknown === undefined ? 0 : full.unknown.reduce((a, b) => a + b, 0);
  let label = full;
  if (unknownRows > 0) {
    const marked = Array.from(full.isNormal.keys()).filter((i) => full.unknown![i] === 0);
    label = {
      ...full,
      values: marked.map((i) => full.values[i]),
      isNormal: Uint8Array.from(marked, (i) => full.isNormal[i]),
    };
    scores = Float64Array.from(marked, (i) => scores[i]);
  }
  const normalRows = label.isNormal.reduce((a, b) => a + b, 0);
  const anomalyRows = label.isNormal.length - normalRows;
  if (normalRows === 0 || anomalyRows === 0) {
    throw new SynthadInputError(
      `evaluation needs both normal and anomalous rows; got ${normalRows} normal and ${anomalyRows} anomalous in column '${label.column}'`,
      { file: ds.source },
    );
  }
  const known = new Set(knownTypes);
  const overall = overallMetrics(label.isNormal, scores);
  const perType = perTypeMetrics(label.values, label.isNormal, scores, known);
  const anomalyLabels = label.isNormal.map((v) => 1 - v);
  return {
    detector,
    source: ds.source,
    rows: label.isNormal.length,
    normalRows,
    anomalyRows,
    unknownRows,
    auroc: overall.auroc,
    aupr: overall.aupr,
    threshold,
    atThreshold: confusionAt(anomalyLabels, scores, threshold),
    perType,
    knownTypes: perType.filter((t) => t.known).map((t) => t.type),
    unseenTypes: perType.filter((t) => !t.known).map((t) => t.type),
    unknownCategories,
    scores,
    labels: label.values,
    isNormal: label.isNormal,
  };
}

/** What an ensemble learned about one member on rows none of its members trained on (its calibration rows). */
export interface MemberFigures {
  /** Its method, e.g. 'gbt-sa'. */
  readonly method: string;
  /** e.g. 'GBT-SA'. */
  readonly name: string;
  /** Its share of the combined score (weights sum to 1); 0 = left out. */
  readonly weight: number;
  /** AUROC and AUPR on the calibration rows (normal vs known anomalies); null without enough known anomalies there. */
  readonly calibrationAuroc: number | null;
  readonly calibrationAupr: number | null;
}

/** One ensemble member's figures on the evaluated rows. */
export interface MemberReport extends MemberFigures {
  readonly auroc: number;
  readonly aupr: number;
  readonly perType: ReadonlyArray<TypeMetrics>;
}

/** The report without per-row arrays: what `--json` prints and notebooks store. */
export type ReportSummary = Omit<EvaluationReport, 'scores' | 'labels' | 'isNormal'>;

/** Drops the per-row arrays. */
export function reportSummary(r: EvaluationReport): ReportSummary {
  const { scores, labels, isNormal, ...rest } = r;
  return rest;
}

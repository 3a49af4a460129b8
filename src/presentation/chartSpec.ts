/**
 * What a chart shows, as plain JSON: the kernel sends it to the notebook renderer, chartConfig turns it
 * into a chart.js configuration. Types only, no imports: the renderer's browser bundle takes this file.
 * The specs are built in charts.ts.
 */

export interface XY {
  readonly x: ReadonlyArray<number>;
  readonly y: ReadonlyArray<number>;
}

export interface CurveSeries extends XY {
  readonly label: string;
  /** AUROC for ROC series, AUPR for PR series. */
  readonly area: number;
  readonly known?: boolean;
  /** Anomalies / (anomalies + normals) for PR series: the chance level. */
  readonly baseRate?: number;
}

export interface HistogramSeries {
  readonly label: string;
  /** 'all': every row of unlabelled data (`scoreDistribution`). */
  readonly role: 'normal' | 'known' | 'unseen' | 'all';
  readonly count: number;
  /** Fraction of this group's rows in each bin (each series sums to 1). */
  readonly density: ReadonlyArray<number>;
}

export type ChartSpec =
  | {
      readonly kind: 'scores';
      readonly title: string;
      readonly edges: ReadonlyArray<number>;
      readonly series: ReadonlyArray<HistogramSeries>;
      readonly threshold: number;
      readonly fpr: number;
      readonly tpr: number;
      /** Unlabelled data: the fraction of rows above the threshold (fpr and tpr are then NaN). */
      readonly flagged?: number;
    }
  | { readonly kind: 'roc'; readonly title: string; readonly series: ReadonlyArray<CurveSeries> }
  | { readonly kind: 'pr'; readonly title: string; readonly series: ReadonlyArray<CurveSeries> }
  | {
      readonly kind: 'training';
      readonly title: string;
      readonly epochs: ReadonlyArray<number>;
      readonly loss: ReadonlyArray<number>;
      readonly valLoss: ReadonlyArray<number>;
      readonly bestEpoch: number;
      readonly maxEpochs?: number;
    }
  | {
      readonly kind: 'comparison';
      readonly title: string;
      readonly detectors: ReadonlyArray<string>;
      readonly groups: ReadonlyArray<{
        readonly label: string;
        readonly auroc: ReadonlyArray<number>;
        readonly aupr: ReadonlyArray<number>;
      }>;
    };

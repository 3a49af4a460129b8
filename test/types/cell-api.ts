/**
 * Type-level checks: `npm run build` (`tsc -p .`) compiles this file, so a check that does not hold fails the
 * build. Each `@ts-expect-error` line shows that its kind of check can fail: tsc reports an `@ts-expect-error`
 * that has no error to expect. Nothing here runs.
 */
import type { createCellApi } from '../../src/kernel/api';
import type { CellApi, CellGlobals, CoreDetector, Display, Plot } from '../../src/kernel/cellApi';
import type { FitHooks } from '../../src/core/detector';
import type { TrainHooks } from '../../src/core/train';
import type { DetectorMethod, DetectorOptions } from '../../src/core/options';

/** true when A and B are assignable both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only when T is true. */
type Expect<T extends true> = T;

// The documented cell API (src/kernel/cellApi.ts, what the editor shows) is the kernel's.
export type CellApiIsTheKernels = [
  Expect<Same<ReturnType<typeof createCellApi>, CellApi>>,
  Expect<Same<CellGlobals['load'], CellApi['load']>>,
  Expect<Same<Plot, CellApi['plot']>>,
  Expect<Same<Display, CellApi['display']>>,
  Expect<Same<CellGlobals['exportScores'], CellApi['exportScores']>>,
  Expect<Same<ConstructorParameters<CellGlobals['Detector']>, ConstructorParameters<CellApi['Detector']>>>,
  Expect<Same<InstanceType<CellApi['Detector']>, CoreDetector>>,
  Expect<InstanceType<CellGlobals['Detector']> extends CoreDetector ? true : false>,
];
// ... and Same tells such types apart.
// @ts-expect-error plot is not display
export type PlotIsNotDisplay = Expect<Same<Plot, CellApi['display']>>;
// @ts-expect-error a constructor taking a number is not the cells' Detector
export type DetectorTakesOptions = Expect<Same<ConstructorParameters<CellGlobals['Detector']>, [number]>>;
// @ts-expect-error exportScores is not load
export type ExportScoresIsNotLoad = Expect<Same<CellGlobals['exportScores'], CellApi['load']>>;

// `fit`'s hooks are the training loop's.
export type FitHooksAreTrainHooks = Expect<Same<FitHooks, TrainHooks>>;
// @ts-expect-error hooks that require a signal are not FitHooks
export type FitHooksNeedNoSignal = Expect<Same<FitHooks, { readonly signal: AbortSignal }>>;

// Every registered method's options are typed (declaration merging from each method's file).
export const forestOptions = {
  method: 'iforest',
  trees: 10,
  maxSamples: 64,
  contamination: 0.1,
} satisfies Partial<DetectorOptions>;
export const classifierOptions = {
  method: 'vc',
  hidden: [8, 8],
  epochs: 3,
  backend: 'cpu',
  learningRate: 1e-3,
} satisfies Partial<DetectorOptions>;
export type MethodsAreNamed = Expect<'vcsa' | 'vc' | 'iforest' extends DetectorMethod ? true : false>;
// @ts-expect-error 'forest' names no method
export const noSuchMethod = { method: 'forest' } satisfies Partial<DetectorOptions>;
// @ts-expect-error 'tres' is no option
export const noSuchOption = { tres: 10 } satisfies Partial<DetectorOptions>;
// @ts-expect-error trees is a number
export const treesAreNumbers = { trees: '10' } satisfies Partial<DetectorOptions>;
// @ts-expect-error the cells' Detector takes the same options
export const cellTypo = (D: CellGlobals['Detector']): unknown => new D({ epoch: 3 });

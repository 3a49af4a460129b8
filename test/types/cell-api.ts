/**
 * Type-level checks: `npm run build` (`tsc -p .`) compiles this file, so a check that does not hold fails the
 * build. Each `@ts-expect-error` line shows that its kind of check can fail: tsc reports an `@ts-expect-error`
 * that has no error to expect. Nothing here runs.
 */
import type { CellApi } from '../../src/kernel/api';
import type { CellGlobals, CoreDetector, Display, Plot } from '../../src/intellisense/cellApi';
import type { FitHooks } from '../../src/core/detector';
import type { TrainHooks } from '../../src/core/train';

/** true when A and B are assignable both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only when T is true. */
type Expect<T extends true> = T;

// The documented cell API (src/intellisense/cellApi.ts, what the editor shows) is the kernel's.
export type CellApiIsTheKernels = [
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

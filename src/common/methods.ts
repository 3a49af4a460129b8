/**
 * The detector methods as the Train Detector command offers them: name, what it is, when to use it. Plain
 * data (the extension host does not load the core to show a quick pick); a unit test checks that it lists
 * exactly the methods the core registers.
 */
export interface MethodChoice {
  readonly method: string;
  readonly label: string;
  readonly detail: string;
  /** Trains in epochs (the MLP): the command asks for the most epochs. */
  readonly epochs: boolean;
}

export const METHOD_CHOICES: ReadonlyArray<MethodChoice> = [
  {
    method: 'auto',
    label: 'Ensemble (auto, the default)',
    detail:
      'Boosted trees with and without synthetic anomalies and an Isolation Forest, weighed on held-out known anomalies',
    epochs: false,
  },
  {
    method: 'gbt-sa',
    label: 'GBT-SA',
    detail: 'Gradient-boosted trees: normal rows against known and synthetic anomalies',
    epochs: false,
  },
  {
    method: 'gbt',
    label: 'GBT',
    detail: 'Gradient-boosted trees: normal rows against known anomalies only (needs labels)',
    epochs: false,
  },
  {
    method: 'vcsa',
    label: 'VC-SA',
    detail: "The paper's MLP: normal rows against known and synthetic anomalies",
    epochs: true,
  },
  { method: 'vc', label: 'VC', detail: 'The MLP without synthetic anomalies (needs labels)', epochs: true },
  {
    method: 'iforest',
    label: 'Isolation Forest',
    detail: 'One-class: grown on normal rows only, no labels used',
    epochs: false,
  },
];

/** Types of the SynthAD TypeScript server plugin (index.js), for its tests and its own checking. */
declare function init(modules: { typescript: unknown }): init.PluginModule;

declare namespace init {
  interface LanguageServiceLike {
    [method: string]: unknown;
  }
  interface PluginCreateInfo {
    readonly languageService: LanguageServiceLike;
  }
  interface PluginConfig {
    /** URI paths of the notebooks whose cells the extension serves. */
    readonly notebooks?: ReadonlyArray<string>;
  }
  interface PluginModule {
    create(info: PluginCreateInfo): LanguageServiceLike;
    onConfigurationChanged(config: PluginConfig | undefined): void;
  }
  type PluginModuleFactory = (modules: { typescript: unknown }) => PluginModule;
  /** The notebook path of a tsserver file name (`^/vscode-notebook-cell/<authority>/<path>#…`), else undefined. */
  function notebookPathOf(fileName: string): string | undefined;
}

export = init;

/**
 * The WebAssembly global as Node provides it, for the Node programs (tsconfig.json has no DOM lib, and
 * @types/node 20 does not declare it). Only what SynthAD uses (src/core/simd.ts and its test); the shapes are
 * those of TypeScript's lib.dom.d.ts. The renderer's program (DOM lib) does not include this file.
 */
declare namespace WebAssembly {
  type BufferSource = ArrayBufferView | ArrayBuffer;
  type ExportValue = Function | Memory; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  type Exports = Record<string, ExportValue>;
  type ImportValue = ExportValue | number;
  type ModuleImports = Record<string, ImportValue>;
  type Imports = Record<string, ModuleImports>;

  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }

  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  var Memory: { prototype: Memory; new (descriptor: MemoryDescriptor): Memory };

  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Module {}
  var Module: { prototype: Module; new (bytes: BufferSource): Module };

  interface Instance {
    readonly exports: Exports;
  }
  var Instance: { prototype: Instance; new (module: Module, importObject?: Imports): Instance };

  function validate(bytes: BufferSource): boolean;
  function compile(bytes: BufferSource): Promise<Module>;
  function instantiate(moduleObject: Module, importObject?: Imports): Promise<Instance>;
}

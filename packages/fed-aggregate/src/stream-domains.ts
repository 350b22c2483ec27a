/**
 * Domain tags (counter word 3 of `@meerkat/seeded`'s `PhiloxUniformStream`) of the streams this
 * package draws: "SMPL" for client sampling, "PART" for partitioning.
 */
export const STREAM_DOMAIN = {
  clientSampling: 0x534d504c,
  partition: 0x50415254,
} as const;

/**
 * `meerkat`: federated fine-tuning of LLMs with sparse zeroth-order optimisation (Meerkat,
 * Meerkat-vp), everything in one install. The trainer (`@meerkat/trainer`) and the NATS transport
 * (`@meerkat/nats-transport`) are re-exported by name, as they were before the split; the report
 * and the algorithm packages as namespaces (`report`, `zo`, `sparseMask`, `fed`, `gradip`,
 * `tensor`, `lm`, `tfjs`): their export lists are large and several names would clash (each has
 * an error class and option types), and a namespace says where a name comes from. The browser
 * client is `meerkat/browser`. A program that needs only part of this installs that package alone.
 */
export * as tfjs from '@meerkat/backend-tfjs';
export * as fed from '@meerkat/fed-aggregate';
export * as gradip from '@meerkat/gradip';
export * as lm from '@meerkat/lm';
export * from '@meerkat/nats-transport';
export * as report from '@meerkat/report';
export * as sparseMask from '@meerkat/sparse-mask';
export * as tensor from '@meerkat/tensor';
export * from '@meerkat/trainer';
export * as zo from '@meerkat/zo-estimator';

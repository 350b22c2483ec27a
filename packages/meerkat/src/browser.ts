/** `meerkat/browser`: the browser training client, `@meerkat/browser-client`. */
export * from '@meerkat/browser-client';

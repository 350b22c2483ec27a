export * from './nats-cluster-fixture.js';
export * from './nats-server-fixture.js';
export * from './tls-certificate.js';

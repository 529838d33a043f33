/**
 * The kit: one wrapper per trigger kind (activity, orchestration, HTTP, queue, timer), typed
 * durable references, the shared deterministic steps, and lazy loading. Every function file
 * registers through it (ARCHITECTURE.md, "Where a new function goes").
 */
export * from './activity';
export * from './http';
export * from './lazy';
export * from './orchestration';
export * from './queue';
export * from '../names/refs';
export * from './durableSteps';
export * from './timer';
export * from './commands';
export * from './apimOperation';
export * from './trust';

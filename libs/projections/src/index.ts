export * from './projection';
export * from './read-model-store';
export * from './projection-runner';
export { batches } from './batches';
export { prepared } from './statements';
export * from './views/view-query';
export * from './satisfaction/satisfaction.projection';
export * from './satisfaction/satisfaction.query';

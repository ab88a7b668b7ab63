/** Injection tokens of the command line, apart from the module so commands can import them. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const READ_MODELS = Symbol('READ_MODELS');
export const PROJECTION_RUNNER = Symbol('PROJECTION_RUNNER');
export const CLI_CONFIG = Symbol('CLI_CONFIG');

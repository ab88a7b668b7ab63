export const WEBHOOK_STORE = Symbol('WEBHOOK_STORE');

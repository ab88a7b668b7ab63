/**
 * Messages are plain data, as in Emmett: a string `type` to switch on and a `data` payload.
 * No classes, so they cross JSON and the event store unchanged.
 */
export type Event<Type extends string, Data extends Record<string, unknown>> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

export type Command<Type extends string, Data extends Record<string, unknown>> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

import { randomUUID } from 'node:crypto';
import type {
  BindingMetadata,
  Registry,
  RegisteredFunction,
  RpcInvocationResponse,
  RpcTypedData,
} from './registry';

/**
 * Invokes a captured function through the library's own programming model
 * (`getInvocationModel(coreCtx)` → getArguments → invokeFunction → getResponse), so every
 * conversion (HTTP request/response, timer payload camelCasing, trigger metadata, JSON parsing,
 * extra inputs/outputs) is `@azure/functions`'s own (reference §1).
 */

/** A function ready to invoke: the registration with `%Setting%` references resolved. */
export interface LoadedFunction {
  readonly name: string;
  readonly bindings: Readonly<Record<string, BindingMetadata>>;
  readonly registration: RegisteredFunction;
  /** The trigger binding's name and options. */
  readonly triggerName: string;
  readonly trigger: BindingMetadata;
}

/** Input for one invocation. Binding values are RPC typed data, keyed by binding name. */
export interface InvocationInput {
  readonly trigger: RpcTypedData | undefined;
  /** Values for extra input bindings (e.g. durableClient), by binding name. */
  readonly extraInputs?: Readonly<Record<string, RpcTypedData>>;
  /** Trigger metadata, keyed as the real host sends it (PascalCase), as typed data. */
  readonly triggerMetadata?: Readonly<Record<string, RpcTypedData>>;
}

/** Thrown when the function itself threw; `cause` is what it threw. */
export class FunctionInvocationError extends Error {
  override readonly name = 'FunctionInvocationError';
  constructor(
    readonly functionName: string,
    readonly thrown: unknown,
  ) {
    super(thrown instanceof Error ? thrown.message : String(thrown), { cause: thrown });
  }
}

/** Runs one invocation and returns the library's RPC response. */
export async function invokeFunction(
  registry: Registry,
  fn: LoadedFunction,
  input: InvocationInput,
): Promise<RpcInvocationResponse> {
  const model = registry.programmingModel;
  if (!model) {
    throw new Error(
      'No programming model was registered: the app never called app.* through @azure/functions',
    );
  }
  const invocationId = randomUUID();
  const inputData: { name: string; data: RpcTypedData | undefined }[] = [
    { name: fn.triggerName, data: input.trigger },
  ];
  for (const [name, data] of Object.entries(input.extraInputs ?? {})) inputData.push({ name, data });
  const coreCtx = {
    invocationId,
    request: { invocationId, functionId: fn.name, inputData, triggerMetadata: input.triggerMetadata ?? {} },
    metadata: { name: fn.name, bindings: fn.bindings },
    state: undefined as string | undefined,
    log: (level: string, category: string, message: string) =>
      registry.logSink(level, category, `[${fn.name}] ${message}`),
  };
  const invocation = model.getInvocationModel(coreCtx);
  const { context, inputs } = await invocation.getArguments();
  let result: unknown;
  try {
    // `app.hook.preInvocation` handlers run before the function, as the Node worker runs them
    // (awaited, in registration order; one may replace the handler or the inputs).
    const hookContext = {
      invocationContext: context,
      inputs,
      functionCallback: fn.registration.callback,
      hookData: {},
      appHookData: {},
    };
    for (const hook of registry.hooks.filter((h) => h.hookName === 'preInvocation'))
      await hook.callback(hookContext);
    result = await invocation.invokeFunction(context, hookContext.inputs, hookContext.functionCallback);
  } catch (thrown) {
    throw new FunctionInvocationError(fn.name, thrown);
  }
  return invocation.getResponse(context, result);
}

/** Converts RPC typed data back to a JS value (the inverse the host needs for outputs). */
export function fromTypedData(data: RpcTypedData | null | undefined): unknown {
  if (data === null || data === undefined) return undefined;
  if (data.json !== undefined) return JSON.parse(data.json) as unknown;
  if (data.string !== undefined) return data.string;
  if (data.int !== undefined) return data.int;
  if (data.double !== undefined) return data.double;
  if (data.bytes !== undefined) return Buffer.from(data.bytes);
  return undefined;
}

/** Converts an output value to JSON text (as the extension stores activity results). */
export function typedDataToJsonText(data: RpcTypedData | null | undefined): string {
  if (data === null || data === undefined) return 'null';
  if (data.json !== undefined) return data.json;
  if (data.string !== undefined) return JSON.stringify(data.string);
  if (data.int !== undefined) return String(data.int);
  if (data.double !== undefined) return String(data.double);
  if (data.bytes !== undefined) return JSON.stringify(Buffer.from(data.bytes).toString('base64'));
  return 'null';
}

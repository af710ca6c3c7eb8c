using Microsoft.Azure.Functions.Worker.Middleware;

namespace Locktera.Functions.Pipeline;

/// <summary>
/// Runs the request pipeline under the Azure Functions host. Timer and queue invocations pass straight through.
/// The route's values are read from the HttpContext, which the worker routes by the function's
/// template as the DevHost does; the invocation's binding data would not do: the host adds every
/// query parameter and top-level JSON body field to it, under the same names.
/// </summary>
public sealed class WorkerPipelineMiddleware(RequestPipeline pipeline) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }
        var definition = context.FunctionDefinition;
        // Fail closed: an HTTP function whose access requirement is unknown does not run.
        if (FunctionCatalog.Locktera.ByEntryPoint(definition.EntryPoint) is not { Access: { } access } entry)
        {
            throw new InvalidOperationException($"HTTP function {definition.Name} ({definition.EntryPoint}) is not in the function catalog, so its access requirement is unknown; it does not run.");
        }
        var error = await pipeline.RunAsync(http, entry.Name, access, () => next(context));
        if (error is not null)
        {
            context.GetInvocationResult().Value = error;
        }
    }
}

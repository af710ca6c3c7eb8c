using Microsoft.Azure.Functions.Worker.Middleware;

namespace Locktera.Functions.Pipeline;

/// <summary>Runs the request pipeline under the Azure Functions host. Timer invocations pass straight through.</summary>
public sealed class WorkerPipelineMiddleware(RequestPipeline pipeline) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        var access = FunctionCatalog.Locktera.ByEntryPoint(context.FunctionDefinition.EntryPoint)?.Access;
        if (http is null || access is null)
        {
            await next(context);
            return;
        }
        var bindingData = context.BindingContext.BindingData;
        var error = await pipeline.RunAsync(http, context.FunctionDefinition.Name, access, name => bindingData.GetValueOrDefault(name), () => next(context));
        if (error is not null)
        {
            context.GetInvocationResult().Value = error;
        }
    }
}

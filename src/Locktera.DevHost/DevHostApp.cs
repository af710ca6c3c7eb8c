using Locktera.Functions;

namespace Locktera.DevHost;

/// <summary>
/// Serves the Locktera functions on Kestrel where Azure Functions Core Tools cannot be installed.
/// It holds no business logic: the functions, their services and the request pipeline are the
/// Functions app's own. Tests build it in-process.
/// </summary>
public static class DevHostApp
{
    /// <summary>Room for the manifest and the multipart framing around the files' bytes.</summary>
    private const long MultipartAllowance = 16 * 1024 * 1024;

    /// <param name="logging">Where logs go besides the console (tests read them).</param>
    /// <param name="services">Changes to the registered services, made last (tests give the instance their clock).</param>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null, FunctionCatalog? catalog = null, Action<ILoggingBuilder>? logging = null,
        Action<IServiceCollection>? services = null)
    {
        catalog ??= FunctionCatalog.Locktera;
        var hostJson = Path.Combine(AppContext.BaseDirectory, "host.json");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder.Configuration);
        logging?.Invoke(builder.Logging);

        // Kestrel's own body limit must not cut an encode short of the configured limit, nor an upload session's part.
        var limits = builder.Configuration.GetSection(LockteraOptions.Section).Get<LockteraOptions>() ?? new LockteraOptions();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = Math.Max(limits.EncodeLimit, LockteraOptions.MaxUploadPartBytes) + MultipartAllowance;
            RequestLimits.Relax(kestrel);
        });
        builder.Services.AddMvcCore();
        builder.Services.AddLocktera(builder.Configuration);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton<TimerScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TimerScheduler>());
        builder.Services.AddSingleton(_ => QueueTriggerSettings.Read(hostJson, builder.Configuration));
        builder.Services.AddSingleton<QueueListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QueueListener>());
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.Services.ValidateConfiguration();
        var pipeline = app.Services.GetRequiredService<RequestPipeline>();
        app.Use(RequestLimits.RefuseOversizedOrUnreadable);
        app.UseRouting();
        // The same pipeline the worker middleware runs under the Functions host.
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<FunctionEntry>() is not { Access: { } access } entry)
            {
                await next(context);
                return;
            }
            var error = await pipeline.RunAsync(context, entry.Name, access, () => next(context));
            if (error is not null)
            {
                await error.ExecuteAsync(context);
            }
        });
        app.UseStatusCodePages(async status =>
        {
            var context = status.HttpContext;
            var (code, message) = context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed
                ? (ErrorCode.MethodNotAllowed, "This route does not accept that method.")
                : (ErrorCode.NotFound, "No such route.");
            await RequestPipeline.Problem(context, code, message).ExecuteAsync(context);
        });
        app.MapFunctions(catalog, FunctionEndpoints.RoutePrefix(hostJson));
        return app;
    }
}

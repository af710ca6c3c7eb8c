using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Locktera.Functions.Pipeline;

/// <summary>
/// Every log message, ours and the frameworks', is written through <see cref="VisibleText.Escape"/>:
/// messages quote what requests sent (ASP.NET Core's request lines quote the decoded path, which
/// may hold "%0D%0A"), and no request may make one line look like two, or like something it is not.
/// The host's logger factory is wrapped, so every category and every provider (console, Application
/// Insights, a test's capture) gets the escaped message; structured values stay as they were, each
/// its own field.
/// </summary>
public static class EscapedLogging
{
    /// <summary>Wraps the logger factory the host registered (or the default one, registered here if the host has none yet).</summary>
    public static IServiceCollection EscapeLogMessages(this IServiceCollection services)
    {
        services.AddLogging();
        var host = services.Last(d => d.ServiceType == typeof(ILoggerFactory));
        services.Remove(host);
        services.AddSingleton<ILoggerFactory>(sp => new EscapingLoggerFactory(host switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } create } => (ILoggerFactory)create(sp),
            _ => (ILoggerFactory)ActivatorUtilities.CreateInstance(sp, host.ImplementationType!),
        }));
        return services;
    }

    private sealed class EscapingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new EscapingLogger(inner.CreateLogger(categoryName));

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class EscapingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, (s, e) => VisibleText.Escape(formatter(s, e)));
    }
}

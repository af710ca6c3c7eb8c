using System.Collections.Concurrent;

namespace Locktera.Functions.Tests;

/// <summary>Every line logged through it, formatted, with the exception when there is one: for tests that read what was logged.</summary>
internal sealed class CapturedLogs : ILoggerProvider, ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));

    public void Dispose()
    {
    }
}

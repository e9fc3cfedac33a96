using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Tests;

/// <summary>Keeps every log line of a server (all levels, exceptions included), for a test to search.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public string Text => string.Join('\n', _lines);

    public int Lines => _lines.Count;

    public void Configure(ILoggingBuilder logging) => logging.AddProvider(this).SetMinimumLevel(LogLevel.Trace);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter
        ) => log._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

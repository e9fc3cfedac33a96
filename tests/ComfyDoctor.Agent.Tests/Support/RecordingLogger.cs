using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Agent.Tests.Support;

/// <summary>Keeps every entry logged to it (all levels) with its structured fields, for a test to read.</summary>
public sealed class RecordingLogger : ILogger
{
    public sealed record Entry(LogLevel Level, EventId Id, string Message, IReadOnlyDictionary<string, object?> Fields);

    public ConcurrentQueue<Entry> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(
        LogLevel logLevel,
        EventId eventId,
        TState state,
        Exception? exception,
        Func<TState, Exception?, string> formatter
    )
    {
        var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)
            : new Dictionary<string, object?>(StringComparer.Ordinal);
        Entries.Enqueue(new Entry(logLevel, eventId, formatter(state, exception), fields));
    }
}

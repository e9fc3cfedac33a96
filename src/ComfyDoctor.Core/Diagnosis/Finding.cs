namespace ComfyDoctor.Core.Diagnosis;

public enum Severity
{
    Info,
    Warning,
    Error,
}

/// <summary>One thing wrong (or worth knowing) about a worker.</summary>
/// <param name="Code">Stable code, see <see cref="FindingCodes"/>.</param>
/// <param name="Subject">What it is about: a model identity, a node type, a volume.</param>
/// <param name="Repairable">Whether a repair action exists that can fix it.</param>
/// <param name="Category">Which traffic light it feeds.</param>
public sealed record Finding(string Code, Severity Severity, string Subject, string Message, bool Repairable, HealthCategory Category)
{
    /// <summary>The node types a node finding is about, as data (<c>nodeTypes</c>): the types a missing pack would provide,
    /// the unresolved type; null for findings about something else.</summary>
    public IReadOnlyList<string>? NodeTypes { get; init; }
}

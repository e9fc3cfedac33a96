namespace ComfyDoctor.Server.Workers;

/// <summary>A worker's agent build as its hello said it (<see cref="Core.Protocol.BuildInfo"/>), for the API, the CLI and the fleet
/// page.</summary>
public sealed record AgentBuild(string? Version, string? Commit, string? Os, string? Arch)
{
    /// <summary>Null when no agent that reports its build has said hello.</summary>
    public static AgentBuild? Of(WorkerRow w) =>
        w.AgentVersion is null && w.AgentCommit is null ? null : new(w.AgentVersion, w.AgentCommit, w.AgentOs, w.AgentArch);

    /// <summary><c>0.1.0 · abc1234 · linux-x64</c> (the commit shortened to 12 characters).</summary>
    public string Describe() =>
        $"{Version ?? "?"} · {(Commit is { Length: > 12 } c ? c[..12] : Commit ?? "?")} · {Os ?? "?"}-{Arch ?? "?"}";
}

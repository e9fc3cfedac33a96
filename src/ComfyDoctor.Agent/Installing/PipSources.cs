namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// Where this agent's pip takes packages from, said when pip could not find one. The server never sends pip a source: the agent's
/// own <c>--pip-args</c> (or COMFYDOCTOR_PIP_ARGS, or its config file) name the farm's wheelhouse or index, else pip's own
/// configuration on the worker applies (pip.conf, PIP_INDEX_URL) — so a plan can never point a worker at another index.
/// </summary>
internal static class PipSources
{
    public static string Describe(InstallPolicy policy) =>
        policy.PipArgs.Count > 0
            ? $"this agent's pip options ({Redaction.Redact(string.Join(' ', policy.PipArgs))})"
            : "pip's own configuration on this worker (pip.conf, PIP_INDEX_URL; the agent was given no --pip-args)";

    /// <summary>A hint after pip's error when it found no distribution for a requirement; empty otherwise.</summary>
    public static string NotFoundHint(CommandResult pip, InstallPolicy policy) =>
        (pip.StdErr + pip.StdOut).Contains("No matching distribution found", StringComparison.Ordinal)
            ? $" — not found in {Describe(policy)}: add the wheel there, or point the agent at the farm's wheelhouse or index "
                + "(--pip-args \"--no-index --find-links DIR\" or \"--index-url URL\")"
            : "";
}

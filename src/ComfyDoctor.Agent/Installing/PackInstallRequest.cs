namespace ComfyDoctor.Agent.Installing;

/// <summary>One node pack to put in place under <c>custom_nodes/</c>.</summary>
/// <param name="PackName">The folder name under <c>custom_nodes</c> (one path segment, no <c>.disabled</c>).</param>
/// <param name="Url">The pack's git repository as the catalog lists it (before mirror rewriting). Policy is judged on it.</param>
/// <param name="Version">A full or short commit hash, a semver (tag <c>vX.Y.Z</c>/<c>X.Y.Z</c>, else the commit whose
/// <c>pyproject.toml</c> has that version), or null (also <c>latest</c>/<c>nightly</c>) for the default branch head.</param>
/// <param name="NodeTypes">The node types the pack was chosen for; each must be found in it statically.</param>
/// <param name="Submodules">Check out submodules (recursively). Off unless the pack is listed as needing them.</param>
/// <param name="RegistryId">A Comfy Registry pack id: when set and the installer has a registry source, the pack is
/// downloaded as a zip from the registry instead of cloned.</param>
public sealed record PackInstallRequest(
    string PackName,
    string Url,
    string? Version,
    IReadOnlyList<string> NodeTypes,
    bool Submodules = false,
    string? RegistryId = null
)
{
    /// <summary>Further pins the workflows carry for this pack (nodes saved at different times), tried in order when
    /// <see cref="Version"/> is not in the repository; any one met is a pin honoured.</summary>
    public IReadOnlyList<string> OtherVersions { get; init; } = [];
}

/// <summary>Where to install.</summary>
/// <param name="ComfyUiRoot">The ComfyUI folder that holds <c>custom_nodes/</c>.</param>
/// <param name="PythonExecutable">ComfyUI's own interpreter; null = no Python steps possible (a pack with a
/// <c>requirements.txt</c> or <c>install.py</c> then fails at that stage).</param>
/// <param name="DryRun">Judge policy and the current state, change nothing, answer <see cref="InstallOutcome.Planned"/>.</param>
public sealed record InstallContext(string ComfyUiRoot, string? PythonExecutable, bool DryRun = false)
{
    public string CustomNodes => Path.Combine(ComfyUiRoot, "custom_nodes");
}

/// <summary>A Comfy-Registry-compatible HTTP API (<c>GET {BaseUrl}/nodes/{id}/install?version=V</c>).</summary>
/// <param name="Name">The source's name in reports.</param>
/// <param name="BaseUrl">e.g. <c>https://api.comfy.org</c>.</param>
public sealed record RegistrySource(string Name, Uri BaseUrl);

/// <summary>Progress of one pack's install, reported through <see cref="IProgress{T}"/>.</summary>
public readonly record struct InstallProgress(string Pack, InstallStage Stage, string Message);

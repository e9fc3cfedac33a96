namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>What <c>agent install</c> is asked to set up on this machine.</summary>
/// <param name="User">The user the agent runs as (the owner of the ComfyUI folder by default).</param>
/// <param name="Writable">Folders besides the ComfyUI folder, the state and the cache that the service may write (a venv
/// elsewhere).</param>
/// <param name="AgentSettings">The agent's own options as COMFYDOCTOR_* variables (server, comfyui, name, tags, python, ca-cert …).</param>
public sealed record AgentInstallPlan(
    InstallLayout Layout,
    string ComfyUi,
    string User,
    IReadOnlyList<string> Writable,
    IReadOnlyList<KeyValuePair<string, string>> AgentSettings,
    bool Systemd
);

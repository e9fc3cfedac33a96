namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>
/// Where an installed agent lives. As root: /opt/comfydoctor (the executable), /etc/comfydoctor (agent.env, ca.pem),
/// /var/lib/comfydoctor-agent (credential, hash cache), /var/cache/comfydoctor-agent (the single file's native libraries),
/// /etc/systemd/system (the unit). As another user: the same under ~/.local/lib, ~/.config, ~/.local/share and ~/.cache.
/// </summary>
public sealed record InstallLayout(string Prefix, string ConfigDir, string StateDir, string CacheDir, string UnitDir)
{
    public const string ServiceName = "comfydoctor-agent.service";

    public string Executable => Path.Combine(Prefix, "comfydoctor");

    /// <summary>The supervisor-free wrapper of <c>--no-systemd</c>: start | stop | restart | status, with a pid file.</summary>
    public string Wrapper => Path.Combine(Prefix, "comfydoctor-agent");

    public string EnvFile => Path.Combine(ConfigDir, "agent.env");

    public string CaCert => Path.Combine(ConfigDir, "ca.pem");

    public string Unit => Path.Combine(UnitDir, ServiceName);

    public string PidFile => Path.Combine(StateDir, "agent.pid");

    public string LogFile => Path.Combine(StateDir, "agent.log");

    public string Credential => Path.Combine(StateDir, "agent-credential");

    public static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    public static string DefaultPrefix => IsRoot ? "/opt/comfydoctor" : Home(".local", "lib", "comfydoctor");

    public static string DefaultConfigDir => IsRoot ? "/etc/comfydoctor" : Home(".config", "comfydoctor");

    public static string DefaultStateDir => IsRoot ? "/var/lib/comfydoctor-agent" : Home(".local", "share", "comfydoctor", "agent");

    public static string DefaultCacheDir => IsRoot ? "/var/cache/comfydoctor-agent" : Home(".cache", "comfydoctor");

    public static string DefaultUnitDir => IsRoot ? "/etc/systemd/system" : Home(".config", "systemd", "user");

    /// <summary>The same default prefix in POSIX shell, for <c>deploy</c>'s first look at a host (before anything is copied
    /// there).</summary>
    public const string ShellDefaultPrefix =
        "${COMFYDOCTOR_PREFIX:-$(if [ \"$(id -u)\" = 0 ]; then echo /opt/comfydoctor; else echo \"$HOME/.local/lib/comfydoctor\"; fi)}";

    private static string Home(params string[] parts) =>
        Path.Combine([
            Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home
                ? home
                : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
            .. parts,
        ]);
}

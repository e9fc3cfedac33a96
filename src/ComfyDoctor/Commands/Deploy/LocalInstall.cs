using System.Runtime.Versioning;
using ComfyDoctor.Agent.Processes;

namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>
/// <c>agent install</c> on this machine: the executable (checksum checked, replaced atomically), agent.env (0600), the CA,
/// the systemd unit or the wrapper, then enabled and started — restarted when any of them changed — and it waits until the
/// agent has enrolled. Run twice with the same plan, it changes nothing. Once enrolled, the enroll token leaves agent.env.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class LocalInstall(AgentInstallPlan plan, Action<string> say)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);
    private readonly List<string> _changes = [];

    private InstallLayout Layout => plan.Layout;

    /// <param name="source">The executable to install (this one, normally).</param>
    /// <param name="enrollToken">Written to agent.env only while the agent has no credential.</param>
    public async Task<InstallResult> RunAsync(
        string source,
        string? expectedSha256,
        string? caCert,
        string? enrollToken,
        TimeSpan wait,
        CancellationToken ct
    )
    {
        var sha = InstalledFile.Sha256Of(source);
        if (expectedSha256 is not null && !string.Equals(sha, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"{source}: SHA-256 {sha} is not the expected {expectedSha256.ToLowerInvariant()}; nothing installed");
        }

        var enrolled = File.Exists(Layout.Credential);
        if (!enrolled && enrollToken is null)
        {
            throw new UsageException(
                $"not enrolled yet ({Layout.Credential} does not exist) and no enroll token: give " + $"--enroll-token-file FILE"
            );
        }

        await PrepareFoldersAsync(ct);
        var binaryChanged = InstallExecutable(source, sha);
        var caChanged =
            caCert is not null && Write(Layout.CaCert, await File.ReadAllTextAsync(caCert, ct), InstalledFile.Readable, "CA certificate");
        var envChanged = Write(Layout.EnvFile, EnvText(enrolled ? null : enrollToken), InstalledFile.Private, "agent.env (0600)");
        var restart = binaryChanged || caChanged || envChanged;
        var service = plan.Systemd ? await SystemdAsync(restart, ct) : await WrapperAsync(restart, ct);
        if (!enrolled)
        {
            await WaitForEnrollmentAsync(wait, ct);
            Write(Layout.EnvFile, EnvText(null), InstalledFile.Private, "enroll token removed from agent.env (enrolled)");
        }

        return new InstallResult(Worker, true, _changes, service, Layout.Executable, sha);
    }

    public string Worker => plan.AgentSettings.FirstOrDefault(s => s.Key == "COMFYDOCTOR_NAME").Value ?? Environment.MachineName;

    public string EnvText(string? enrollToken) =>
        AgentFiles.EnvFile(
            enrollToken is null ? plan.AgentSettings : [.. plan.AgentSettings, new("COMFYDOCTOR_ENROLL_TOKEN", enrollToken)]
        );

    private async Task PrepareFoldersAsync(CancellationToken ct)
    {
        const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var dir in new[] { Layout.Prefix, Layout.ConfigDir, Layout.StateDir, Layout.CacheDir })
        {
            if (!Directory.Exists(dir))
            {
                // The prefix and the configuration folder are readable by the agent's user (ca.pem); agent.env in it is 0600.
                Directory.CreateDirectory(dir, dir == Layout.Prefix || dir == Layout.ConfigDir ? InstalledFile.Executable : owner);
                _changes.Add($"created {dir}");
            }
        }

        if (InstallLayout.IsRoot && plan.User != "root")
        {
            // The agent's own folders belong to the user it runs as; the executable and its configuration stay root's.
            await RunAsync("chown", ["-R", $"{plan.User}:", Layout.StateDir, Layout.CacheDir], ct);
        }
    }

    private bool InstallExecutable(string source, string sha)
    {
        if (File.Exists(Layout.Executable) && InstalledFile.Sha256Of(Layout.Executable) is var old)
        {
            if (old == sha)
            {
                return false;
            }

            InstalledFile.Copy(source, Layout.Executable, InstalledFile.Executable);
            _changes.Add($"executable replaced ({old[..12]} → {sha[..12]})");
            return true;
        }

        InstalledFile.Copy(source, Layout.Executable, InstalledFile.Executable);
        _changes.Add($"executable installed ({sha[..12]})");
        return true;
    }

    private bool Write(string path, string text, UnixFileMode mode, string what)
    {
        if (!InstalledFile.WriteText(path, text, mode))
        {
            return false;
        }

        _changes.Add(what);
        return true;
    }

    private async Task<string> SystemdAsync(bool restart, CancellationToken ct)
    {
        var service = InstallLayout.ServiceName;
        if (Write(Layout.Unit, AgentFiles.Unit(plan), InstalledFile.Readable, $"unit {Layout.Unit}"))
        {
            await RunAsync("systemctl", ["daemon-reload"], ct);
            restart = true;
        }

        if (
            (
                await ProcessRunner.RunAsync(new ProcessSpec("systemctl", ["is-enabled", "--quiet", service], Timeout: CommandTimeout), ct)
            ).ExitCode != 0
        )
        {
            await RunAsync("systemctl", ["enable", service], ct);
            _changes.Add("service enabled");
        }

        var active =
            (
                await ProcessRunner.RunAsync(new ProcessSpec("systemctl", ["is-active", "--quiet", service], Timeout: CommandTimeout), ct)
            ).ExitCode == 0;
        if (restart || !active)
        {
            await RunAsync("systemctl", [active ? "restart" : "start", service], ct);
            _changes.Add(active ? "service restarted" : "service started");
        }

        return $"systemd {service}";
    }

    private async Task<string> WrapperAsync(bool restart, CancellationToken ct)
    {
        restart |= Write(Layout.Wrapper, AgentFiles.Wrapper(Layout), InstalledFile.Executable, $"wrapper {Layout.Wrapper}");
        var running =
            (await ProcessRunner.RunAsync(new ProcessSpec("/bin/sh", [Layout.Wrapper, "status"], Timeout: CommandTimeout), ct)).ExitCode
            == 0;
        if (restart || !running)
        {
            await RunAsync("/bin/sh", [Layout.Wrapper, running ? "restart" : "start"], ct);
            _changes.Add(running ? "agent restarted" : "agent started");
        }

        var pid = File.Exists(Layout.PidFile) ? (await File.ReadAllTextAsync(Layout.PidFile, ct)).Trim() : "?";
        return $"no systemd: {Layout.Wrapper} (pid {pid}, pid file {Layout.PidFile}, log {Layout.LogFile}); nothing restarts the agent "
            + $"if it stops";
    }

    private async Task WaitForEnrollmentAsync(TimeSpan wait, CancellationToken ct)
    {
        say($"waiting up to {wait.TotalSeconds:0} s for '{Worker}' to enroll...");
        var until = DateTime.UtcNow + wait;
        while (!File.Exists(Layout.Credential))
        {
            if (
                !plan.Systemd
                && (
                    await ProcessRunner.RunAsync(new ProcessSpec("/bin/sh", [Layout.Wrapper, "status"], Timeout: CommandTimeout), ct)
                ).ExitCode != 0
            )
            {
                throw new UsageException($"the agent stopped before it enrolled; the end of {Layout.LogFile}: {Tail(Layout.LogFile)}");
            }

            if (DateTime.UtcNow > until)
            {
                var log = plan.Systemd
                    ? (
                        await ProcessRunner.RunAsync(
                            new ProcessSpec(
                                "journalctl",
                                ["-u", InstallLayout.ServiceName, "-n", "5", "--no-pager"],
                                Timeout: CommandTimeout
                            ),
                            ct
                        )
                    ).StdOut
                    : Tail(Layout.LogFile);
                throw new UsageException($"'{Worker}' did not enroll within {wait.TotalSeconds:0} s; the agent's last words: {log.Trim()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }

        _changes.Add($"enrolled as '{Worker}'");
    }

    private static string Tail(string path) => File.Exists(path) ? string.Join(" | ", File.ReadLines(path).TakeLast(5)) : "(no log)";

    private static async Task RunAsync(string program, IReadOnlyList<string> args, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(new ProcessSpec(program, args, Timeout: CommandTimeout), ct);
        if (!result.Succeeded)
        {
            throw new UsageException(
                $"{program} {string.Join(' ', args)} failed ({result.ExitCode}): " + $"{(result.StdErr + result.StdOut).Trim()}"
            );
        }
    }
}

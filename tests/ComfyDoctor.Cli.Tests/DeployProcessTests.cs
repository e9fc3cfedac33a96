using System.Text.Json;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Issue 18.3: <c>deploy</c> to real sshd's on loopback ports, with the published single file (<see cref="PublishedExecutable"/>)
/// — one build shared with <see cref="PublishedExecutableTests"/> — and <c>--no-systemd</c> (no systemd here: the wrapper path runs for
/// real). Skipped where that file cannot run or there is
/// no sshd (scripts/test.sh installs openssh-server).
/// </summary>
[Collection(PublishedCollection.Name)]
public sealed class DeployProcessTests(PublishedExecutable published)
{
    [DeployFact]
    public async Task Two_workers_are_installed_over_ssh_and_report_over_tls_while_an_unreachable_host_is_reported()
    {
        using var farm = await DeployFarm.StartAsync(hosts: 2);
        var unreachable = $"ssh://{Environment.UserName}@127.0.0.1:{FleetProcessTests.FreePort()}";

        var (result, rows) = await farm.DeployAsync(published.Executable, farm.Hosts[0].Url, farm.Hosts[1].Url, unreachable);

        Assert.True(result.ExitCode == 1, result.StdErr); // one host failed; the others were done all the same
        Assert.Equal(3, rows.Count);
        foreach (var (row, name) in rows.Take(2).Zip(["gpu-01", "gpu-02"]))
        {
            Assert.True(row.GetProperty("outcome").GetString() == "installed", row.ToString());
            Assert.Equal(name, row.GetProperty("worker").GetString());
            Assert.Equal("green", row.GetProperty("lights").GetProperty("models").GetString());
            var changes = row.GetProperty("changes").EnumerateArray().Select(c => c.GetString()).ToList();
            Assert.Contains($"enrolled as '{name}'", changes);
            Assert.Contains("enroll token removed from agent.env (enrolled)", changes);
            Assert.Contains("nothing restarts the agent if it stops", row.GetProperty("service").GetString(), StringComparison.Ordinal);
        }

        var failed = rows[2];
        Assert.Equal("failed", failed.GetProperty("outcome").GetString());
        Assert.Contains("Connection refused", failed.GetProperty("error").GetString(), StringComparison.Ordinal);

        for (var host = 1; host <= 2; host++)
        {
            Assert.Equal(Sha256(published.Executable), Sha256(farm.Installed(host)));
            var env = farm.HostFile(host, "etc", "comfydoctor", "agent.env");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(env));
            var text = await File.ReadAllTextAsync(env);
            Assert.Contains($"COMFYDOCTOR_SERVER='{farm.ServerUrl}/'", text, StringComparison.Ordinal);
            Assert.DoesNotContain(await File.ReadAllTextAsync(Path.Combine(farm.Path, "enroll-token")), text, StringComparison.Ordinal);
            Assert.DoesNotContain(
                ".comfydoctor.upload",
                Directory.GetFiles(farm.HostFile(host, "opt", "comfydoctor")).Select(Path.GetFileName)
            );
        }

        var workers = await farm.WorkersAsync();
        Assert.True(workers.ExitCode == 0, workers.StdErr);
        var listed = JsonDocument.Parse(workers.StdOut).RootElement.EnumerateArray().ToList();
        Assert.Equal(["gpu-01", "gpu-02"], listed.Select(w => w.GetProperty("name").GetString()));
        Assert.All(listed, w => Assert.Equal("done", w.GetProperty("lastScanStatus").GetString()));
        Assert.All(listed, w => Assert.Equal(["render"], w.GetProperty("tags").EnumerateArray().Select(t => t.GetString())));
    }

    [DeployFact]
    public async Task A_second_deploy_changes_nothing_and_a_new_build_replaces_the_executable_and_restarts_the_agent()
    {
        using var farm = await DeployFarm.StartAsync(hosts: 1);
        var (first, _) = await farm.DeployAsync(published.Executable, farm.Hosts[0].Url);
        Assert.True(first.ExitCode == 0, first.StdOut + first.StdErr);
        var pid = farm.AgentPid(1);
        var installedAt = File.GetLastWriteTimeUtc(farm.Installed(1));

        var (again, rows) = await farm.DeployAsync(published.Executable, farm.Hosts[0].Url);

        Assert.True(again.ExitCode == 0, again.StdOut + again.StdErr);
        var row = Assert.Single(rows);
        Assert.Equal("unchanged", row.GetProperty("outcome").GetString());
        Assert.Empty(row.GetProperty("changes").EnumerateArray());
        Assert.Equal(pid, farm.AgentPid(1));
        Assert.Equal(installedAt, File.GetLastWriteTimeUtc(farm.Installed(1)));

        // A new build: the same program with other bytes (a single file runs with data appended after its bundle).
        var newer = Path.Combine(farm.Path, "newer", "comfydoctor");
        Directory.CreateDirectory(Path.GetDirectoryName(newer)!);
        File.Copy(published.Executable, newer);
        await File.AppendAllTextAsync(newer, "another build\n");
        var (upgrade, upgraded) = await farm.DeployAsync(newer, farm.Hosts[0].Url);

        Assert.True(upgrade.ExitCode == 0, upgrade.StdOut + upgrade.StdErr);
        row = Assert.Single(upgraded);
        Assert.Equal("upgraded", row.GetProperty("outcome").GetString());
        var changes = row.GetProperty("changes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Contains(changes, c => c.StartsWith("executable replaced", StringComparison.Ordinal));
        Assert.Contains("agent restarted", changes);
        Assert.Equal(Sha256(newer), Sha256(farm.Installed(1)));
        Assert.NotEqual(pid, farm.AgentPid(1));
        Assert.True(File.Exists($"/proc/{farm.AgentPid(1)}/exe"), "the restarted agent runs");
    }

    [DeployFact]
    public async Task A_host_whose_key_is_not_the_one_known_is_refused_and_nothing_is_copied()
    {
        using var farm = await DeployFarm.StartAsync(hosts: 0);
        var host = await farm.AddHostAsync("gpu-01", trusted: false);
        var impostor = await SshServer.ClientKeyAsync(Path.Combine(farm.Path, "impostor")); // any other key stands for the recorded one
        await File.AppendAllLinesAsync(
            farm.KnownHosts,
            [$"[127.0.0.1]:{host.Port} {(await File.ReadAllTextAsync(impostor + ".pub")).Trim()}"]
        );

        var (result, rows) = await farm.DeployAsync(published.Executable, host.Url);

        Assert.True(result.ExitCode == 1, result.StdOut + result.StdErr);
        var row = Assert.Single(rows);
        Assert.Equal("failed", row.GetProperty("outcome").GetString());
        Assert.Contains("host key has CHANGED", row.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(farm.HostFile(1, "opt")));
    }

    [PublishedExecutableFact]
    public async Task The_systemd_unit_runs_the_agent_hardened_and_verifies()
    {
        using var dir = new TempDir();
        var comfy = Directory.CreateDirectory(dir.Combine("srv", "ComfyUI")).FullName;
        var result = await published.RunAsync(
            "agent",
            "install",
            "--dry-run",
            "--json",
            "--server",
            "https://comfydoctor.farm.lan:8470",
            "--comfyui",
            comfy,
            "--user",
            "root",
            "--prefix",
            Path.GetDirectoryName(published.Executable)!,
            "--state",
            dir.Combine("state"),
            "--cache",
            dir.Combine("cache"),
            "--config-dir",
            dir.Combine("etc"),
            "--writable",
            dir.Combine("venv")
        );

        Assert.True(result.ExitCode == 0, result.StdErr);
        var unit = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("unit").GetString()!;
        string[] expected =
        [
            "User=root",
            "Restart=always",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            $"ExecStart={published.Executable} agent",
            $"ReadWritePaths={comfy} {dir.Combine("state")} {dir.Combine("cache")} {dir.Combine("venv")}",
            $"Environment=DOTNET_BUNDLE_EXTRACT_BASE_DIR={dir.Combine("cache")}",
            $"EnvironmentFile={dir.Combine("etc", "agent.env")}",
        ];
        Assert.All(expected, line => Assert.Contains(line, unit.Split('\n')));
        if (File.Exists("/usr/bin/systemd-analyze"))
        {
            var file = dir.Combine("comfydoctor-agent.service");
            await File.WriteAllTextAsync(file, unit);
            var verify = await CliProcess.RunWithAsync("systemd-analyze", null, "verify", "--man=no", file);
            Assert.True(verify.ExitCode == 0, verify.StdOut + verify.StdErr);
        }
    }

    private static string Sha256(string file) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
}

/// <summary>A fact that needs the published linux-x64 file and a real sshd; skipped, saying why, without them.</summary>
public sealed class DeployFactAttribute : FactAttribute
{
    public DeployFactAttribute()
    {
        Skip = new PublishedExecutableFactAttribute().Skip
            ?? (File.Exists(SshServer.Daemon) ? null : $"no {SshServer.Daemon}: scripts/test.sh installs Debian's openssh-server");
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// README's "Deploying to a farm", command for command: a TLS server (the openssl quick start, tokens from 0600 files made by
/// <c>openssl rand</c>), workers that are real sshd's on loopback ports — each with its own HOME and install folders — and
/// <c>deploy</c> run with the published single file. Only the host names, ports and folders are the test's.
/// </summary>
internal sealed class DeployFarm : IDisposable
{
    /// <summary>README: the two token files, readable by their owner only.</summary>
    internal const string TokenFiles = "umask 077; openssl rand -hex 32 > admin-token; openssl rand -hex 32 > enroll-token";

    private readonly TempDir _dir = new();
    private readonly List<SshServer> _hosts = [];
    private Process? _server;

    public string Path => _dir.Path;

    public string ServerUrl { get; private set; } = "";

    public string Ca => _dir.Combine("server.crt");

    public string Identity => _dir.Combine("home", ".ssh", "id_ed25519");

    public string KnownHosts => _dir.Combine("home", ".ssh", "known_hosts");

    public string ComfyUi => _dir.Combine("srv", "ComfyUI");

    public IReadOnlyList<SshServer> Hosts => _hosts;

    public static async Task<DeployFarm> StartAsync(int hosts)
    {
        var farm = new DeployFarm();
        try
        {
            var openssl = await CliProcess.RunWithAsync(
                "sh",
                null,
                ["-c", "cd \"$0\" && openssl \"$@\" && " + TokenFiles, farm.Path, .. TlsProcessTests.QuickStartOpenSsl]
            );
            Assert.True(openssl.ExitCode == 0, openssl.StdErr);
            Directory.CreateDirectory(farm.ComfyUi);
            var port = FleetProcessTests.FreePort();
            farm.ServerUrl = $"https://127.0.0.1:{port}";
            farm._server = FleetProcessTests.Start(
                [],
                "server",
                "--urls",
                farm.ServerUrl,
                "--tls-cert",
                farm.Ca,
                "--tls-key",
                farm._dir.Combine("server.key"),
                "--admin-token-file",
                farm._dir.Combine("admin-token"),
                "--enroll-token-file",
                farm._dir.Combine("enroll-token"),
                "--data",
                farm._dir.Combine("server")
            );
            await SshServer.ClientKeyAsync(System.IO.Path.GetDirectoryName(farm.Identity)!);
            for (var i = 1; i <= hosts; i++)
            {
                await farm.AddHostAsync($"gpu-{i:00}");
            }

            var ready = System.Diagnostics.Stopwatch.StartNew();
            while ((await farm.WorkersAsync()).ExitCode != 0)
            {
                if (farm._server.HasExited)
                {
                    Assert.Fail($"the server exited with code {farm._server.ExitCode}");
                }

                Assert.True(ready.Elapsed < TimeSpan.FromMinutes(3), "the server did not answer within 3 minutes");
                await Task.Delay(500);
            }
        }
        catch
        {
            farm.Dispose(); // nothing of a farm that did not start is left running
            throw;
        }

        return farm;
    }

    /// <summary>A "host": its own sshd, HOME and install folders (as root the defaults would be /opt, /etc and /var).</summary>
    public async Task<SshServer> AddHostAsync(string name, bool trusted = true)
    {
        var root = _dir.Combine("hosts", name);
        var host = await SshServer.StartAsync(
            System.IO.Path.Combine(root, "sshd"),
            Identity + ".pub",
            new Dictionary<string, string>
            {
                ["HOME"] = Directory.CreateDirectory(System.IO.Path.Combine(root, "home")).FullName,
                ["COMFYDOCTOR_NAME"] = name,
                ["COMFYDOCTOR_PREFIX"] = System.IO.Path.Combine(root, "opt", "comfydoctor"),
                ["COMFYDOCTOR_CONFIG_DIR"] = System.IO.Path.Combine(root, "etc", "comfydoctor"),
                ["COMFYDOCTOR_STATE"] = System.IO.Path.Combine(root, "var", "lib", "comfydoctor-agent"),
                ["COMFYDOCTOR_CACHE"] = System.IO.Path.Combine(root, "var", "cache", "comfydoctor-agent"),
            }
        );
        _hosts.Add(host);
        if (trusted)
        {
            await File.AppendAllLinesAsync(KnownHosts, [host.KnownHostsLine]);
        }

        return host;
    }

    public string HostFile(int host, params string[] parts) => System.IO.Path.Combine([_dir.Combine("hosts", $"gpu-{host:00}"), .. parts]);

    public string Installed(int host) => HostFile(host, "opt", "comfydoctor", "comfydoctor");

    public int? AgentPid(int host) =>
        File.Exists(HostFile(host, "var", "lib", "comfydoctor-agent", "agent.pid"))
            ? int.Parse(
                File.ReadAllText(HostFile(host, "var", "lib", "comfydoctor-agent", "agent.pid")).Trim(),
                System.Globalization.CultureInfo.InvariantCulture
            )
            : null;

    /// <summary>README's deploy command (with --no-systemd: there is no systemd here) for these targets; one JSON row per host.</summary>
    public async Task<(CliProcess.Result Result, List<JsonElement> Rows)> DeployAsync(string executable, params string[] targets)
    {
        var result = await CliProcess.RunAsync([
            "deploy",
            .. targets,
            "--server",
            ServerUrl,
            "--ca-cert",
            Ca,
            "--comfyui",
            ComfyUi,
            "--tags",
            "render",
            "--enroll-token-file",
            _dir.Combine("enroll-token"),
            "--token-file",
            _dir.Combine("admin-token"),
            "--identity",
            Identity,
            "--known-hosts",
            KnownHosts,
            "--no-systemd",
            "--executable",
            executable,
            "--json",
        ]);
        var rows = result
            .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
        return (result, rows);
    }

    public Task<CliProcess.Result> WorkersAsync() =>
        InProcessCli.RunAsync("workers", "--json", "--server", ServerUrl, "--ca-cert", Ca, "--token-file", _dir.Combine("admin-token"));

    public void Dispose()
    {
        for (var i = 1; i <= _hosts.Count; i++)
        {
            if (AgentPid(i) is { } pid)
            {
                try
                {
                    using var agent = Process.GetProcessById(pid);
                    agent.Kill(entireProcessTree: true);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // not running
                }
            }
        }

        _hosts.ForEach(h => h.Dispose());
        _server?.Kill(entireProcessTree: true);
        _server?.Dispose();
        _dir.Dispose();
    }
}

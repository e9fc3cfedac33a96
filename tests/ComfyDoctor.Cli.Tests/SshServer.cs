using System.Diagnostics;
using System.Net.Sockets;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// A real OpenSSH server (Debian's openssh-server) on a free loopback port, run by the test's own user: its host key and the
/// client key that may log in are generated in the test's folder, as is a known_hosts that vouches for the host key.
/// <c>SetEnv</c> gives each "host" its own HOME and COMFYDOCTOR_* (name, install folders), so one machine plays several workers.
/// </summary>
internal sealed class SshServer : IDisposable
{
    public const string Daemon = "/usr/sbin/sshd";
    private readonly Process _process;

    private SshServer(Process process, int port, string folder, string hostKey) =>
        (_process, Port, Folder, HostPublicKey) = (process, port, folder, hostKey);

    public int Port { get; }

    public string Folder { get; }

    /// <summary>The host's public key line (<c>ssh-ed25519 AAAA…</c>).</summary>
    public string HostPublicKey { get; }

    public string Url => $"ssh://{Environment.UserName}@127.0.0.1:{Port}";

    /// <summary>The known_hosts line that vouches for this host.</summary>
    public string KnownHostsLine => $"[127.0.0.1]:{Port} {HostPublicKey}";

    /// <summary>A key pair for the client (<c>id_ed25519</c>, <c>id_ed25519.pub</c>) in <paramref name="sshDir"/>.</summary>
    public static async Task<string> ClientKeyAsync(string sshDir)
    {
        Directory.CreateDirectory(sshDir);
        var key = Path.Combine(sshDir, "id_ed25519");
        await KeygenAsync(key);
        return key;
    }

    public static async Task<SshServer> StartAsync(string folder, string clientPublicKeyFile, IReadOnlyDictionary<string, string> env)
    {
        Directory.CreateDirectory(folder);
        var hostKey = Path.Combine(folder, "ssh_host_ed25519_key");
        await KeygenAsync(hostKey);
        var authorized = Path.Combine(folder, "authorized_keys");
        File.Copy(clientPublicKeyFile, authorized, overwrite: true);
        File.SetUnixFileMode(authorized, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (Environment.UserName == "root")
        {
            Directory.CreateDirectory("/run/sshd"); // the privilege separation folder a root sshd insists on
        }

        var port = FleetProcessTests.FreePort();
        var config = Path.Combine(folder, "sshd_config");
        await File.WriteAllLinesAsync(
            config,
            [
                $"Port {port}",
                "ListenAddress 127.0.0.1",
                $"HostKey {hostKey}",
                $"PidFile {Path.Combine(folder, "sshd.pid")}",
                $"AuthorizedKeysFile {authorized}",
                "StrictModes no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "PermitRootLogin prohibit-password",
                "SetEnv " + string.Join(' ', env.Select(e => $"{e.Key}={e.Value}")),
            ]
        );
        var start = new ProcessStartInfo(Daemon) { UseShellExecute = false };
        foreach (var arg in new[] { "-D", "-f", config, "-E", Path.Combine(folder, "sshd.log") })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var server = new SshServer(process, port, folder, (await File.ReadAllTextAsync(hostKey + ".pub")).Trim());
        await FleetProcessTests.WaitUntilAsync(
            async () =>
            {
                using var client = new TcpClient();
                try
                {
                    await client.ConnectAsync("127.0.0.1", port);
                    return true;
                }
                catch (SocketException)
                {
                    return process.HasExited
                        ? throw new InvalidOperationException("sshd exited: " + File.ReadAllText(Path.Combine(folder, "sshd.log")))
                        : false;
                }
            },
            30
        );
        return server;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static async Task KeygenAsync(string file)
    {
        var result = await CliProcess.RunWithAsync(
            "ssh-keygen",
            null,
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "comfydoctor-test",
            "-f",
            file
        );
        Assert.True(result.ExitCode == 0, result.StdErr);
    }
}

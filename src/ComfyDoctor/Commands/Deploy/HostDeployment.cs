using System.Text;
using System.Text.Json;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>
/// One host: a first look (architecture, systemd, the installed executable's SHA-256), the executable copied only when it
/// differs and its checksum verified there, then <c>agent install</c> run there with the enroll token on its standard input
/// (never on a command line), then the first scan through the server's API. Any failure is this host's row, never another's.
/// </summary>
public sealed class HostDeployment(SshTarget target, SshOptions ssh, DeploySettings settings, FirstScan? firstScan)
{
    private const string Upload = ".comfydoctor.upload";
    private const string CaUpload = ".ca.upload.pem";
    private static readonly TimeSpan LookTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CopyTimeout = TimeSpan.FromMinutes(15);

    private readonly SshSession _session = new(target, ssh);

    public async Task<DeployRow> RunAsync(CancellationToken ct)
    {
        try
        {
            return await DeployAsync(ct);
        }
        catch (UsageException e)
        {
            return DeployRow.Failure(target, e.Message);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or JsonException or System.ComponentModel.Win32Exception)
        {
            return DeployRow.Failure(target, e.Message);
        }
    }

    private string PrefixShell => settings.Prefix is { } prefix ? ShellQuote.Quote(prefix) : $"\"{InstallLayout.ShellDefaultPrefix}\"";

    private async Task<DeployRow> DeployAsync(CancellationToken ct)
    {
        var look = await RunAsync(
            $"p={PrefixShell}; echo \"arch=$(uname -m)\"; echo \"prefix=$p\"; "
                + "if [ -f \"$p/comfydoctor\" ]; then echo \"installed=$(sha256sum \"$p/comfydoctor\" | cut -c1-64)\"; fi; "
                + "if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then echo systemd=yes; fi",
            null,
            LookTimeout,
            ct
        );
        var facts = look
            .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1].Trim(), StringComparer.Ordinal);
        var arch = facts.GetValueOrDefault("arch")
            ?? throw new UsageException($"the host did not say its architecture: {look.StdOut.Trim()}");
        if (settings.Systemd && !facts.ContainsKey("systemd"))
        {
            throw new UsageException(
                "no systemd on this host (/run/systemd/system is missing): deploy with --no-systemd to run the " + "agent under a wrapper"
            );
        }

        var (path, sha) = settings.Executables.FirstOrDefault(e => ElfMachine.Runs(arch, e.Key)).Value;
        if (path is null)
        {
            throw new UsageException($"no executable for {arch}: give --executable with the linux build for it (scripts/publish.sh)");
        }

        var same = facts.GetValueOrDefault("installed") == sha;
        if (settings.DryRun)
        {
            var would = facts.ContainsKey("installed")
                ? same
                    ? "would-check"
                    : "would-upgrade"
                : "would-install";
            return new DeployRow(
                target.Text,
                would,
                null,
                null,
                [$"{arch}, {facts.GetValueOrDefault("prefix")}/comfydoctor {(same ? "is this build" : "← " + sha[..12])}"],
                null,
                null
            );
        }

        if (!same)
        {
            await CopyAsync(path, sha, ct);
        }

        var result = await InstallAsync(same ? "comfydoctor" : Upload, sha, ct);
        var lights = firstScan is null ? null : await firstScan.LightsAsync(result.Worker, ct);
        return new DeployRow(target.Text, Outcome(result), result.Worker, lights, result.Changes, result.Service, null);
    }

    private static string Outcome(InstallResult result) =>
        result.Changes.Count == 0 ? "unchanged"
        : result.Changes.Any(c => c.StartsWith("executable installed", StringComparison.Ordinal)) ? "installed"
        : result.Changes.Any(c => c.StartsWith("executable replaced", StringComparison.Ordinal)) ? "upgraded"
        : "updated";

    /// <summary>The executable streamed to <c>PREFIX/.comfydoctor.upload</c> (mode 0700) and its SHA-256 computed there.</summary>
    private async Task CopyAsync(string path, string sha, CancellationToken ct)
    {
        var copied = await RunAsync(
            $"p={PrefixShell}; umask 077; mkdir -p \"$p\" && cat >\"$p/{Upload}\" && chmod 700 \"$p/{Upload}\" "
                + $"&& sha256sum \"$p/{Upload}\" | cut -c1-64",
            async (stdin, token) =>
            {
                await using var file = File.OpenRead(path);
                await file.CopyToAsync(stdin, token);
            },
            CopyTimeout,
            ct
        );
        if (copied.StdOut.Trim() != sha)
        {
            await RunAsync($"rm -f {PrefixShell}/{Upload}", null, LookTimeout, ct);
            throw new UsageException($"the copy's SHA-256 on the host is {copied.StdOut.Trim()}, not {sha}; removed, nothing installed");
        }
    }

    private async Task<InstallResult> InstallAsync(string program, string sha, CancellationToken ct)
    {
        var args = new List<string>(settings.InstallArguments) { "--sha256", sha, "--enroll-token-file", "-", "--json" };
        if (settings.Prefix is not null)
        {
            args.AddRange(["--prefix", settings.Prefix]);
        }

        var ca = settings.CaCertPem is { } pem ? $"printf '%s\\n' {ShellQuote.Quote(pem.Trim())} >\"$p/{CaUpload}\"; " : "";
        var script =
            $"p={PrefixShell}; {ca}\"$p/{program}\" agent install {ShellQuote.Join(args)}"
            + (ca.Length == 0 ? "" : $" --ca-cert \"$p/{CaUpload}\"")
            + $"; rc=$?; rm -f \"$p/{Upload}\" \"$p/{CaUpload}\"; exit $rc";
        var token = Encoding.UTF8.GetBytes(settings.EnrollToken + "\n");
        var run = await RunAsync(script, (stdin, t) => stdin.WriteAsync(token, t).AsTask(), settings.Wait + LookTimeout, ct);
        var last = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        return last is not null && last.StartsWith('{')
            ? JsonSerializer.Deserialize<InstallResult>(last, DeployJson.Options)
                ?? throw new UsageException("agent install printed nothing")
            : throw new UsageException(SshSession.Problem(run));
    }

    private async Task<SshSession.Result> RunAsync(
        string script,
        Func<Stream, CancellationToken, Task>? input,
        TimeSpan timeout,
        CancellationToken ct
    )
    {
        var result = await _session.RunAsync(script, input, settings.Sudo, timeout, ct);
        return result.ExitCode == 0 ? result : throw new UsageException(SshSession.Problem(result));
    }
}

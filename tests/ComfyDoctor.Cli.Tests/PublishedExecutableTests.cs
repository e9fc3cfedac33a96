using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Issue 18.2: <c>scripts/publish.sh</c> builds the self-contained linux-x64 executable once per test run
/// (<see cref="PublishedExecutable"/>), and it runs with no .NET on PATH and DOTNET_ROOT unset: <c>--version</c>, <c>check --demo</c>,
/// <c>agent --help</c>. Skipped, saying why, where a linux-x64 file cannot run (another OS or architecture); a failed publish fails the
/// tests.
/// </summary>
[Collection(PublishedCollection.Name)]
public sealed class PublishedExecutableTests(PublishedExecutable published)
{
    [PublishedExecutableFact]
    public void Its_sum_is_written()
    {
        var sums = File.ReadAllLines(Path.Combine(published.Folder, "SHA256SUMS"));
        var line = Assert.Single(sums, l => l.EndsWith(" linux-x64/comfydoctor", StringComparison.Ordinal));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(published.Executable))), line.Split(' ')[0]);
    }

    [PublishedExecutableFact]
    public async Task Version_prints_the_version_and_the_commit_it_was_built_from()
    {
        var result = await published.RunAsync("--version");

        Assert.Equal(0, result.ExitCode);
        var commit = (await Git("rev-parse", "HEAD")).Trim();
        Assert.StartsWith(
            $"comfydoctor {Core.Protocol.BuildInfo.Current.Version} (commit {commit}",
            result.StdOut,
            StringComparison.Ordinal
        );
        Assert.Contains("linux-x64)", result.StdOut, StringComparison.Ordinal);
    }

    [PublishedExecutableFact]
    public async Task Check_demo_runs_without_dotnet()
    {
        using var dir = new TempDir();
        var result = await published.RunAsync("check", "--demo", dir.Combine("demo"), "--json", "--cache", dir.Combine("cache.json"));

        Assert.True(result.ExitCode == 1, result.StdErr); // the demo's planted defects are red
        Assert.Contains("\"model.corrupted\"", result.StdOut, StringComparison.Ordinal);
    }

    [PublishedExecutableFact]
    public async Task Agent_help_runs_without_dotnet()
    {
        var result = await published.RunAsync("agent", "--help");

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("--server", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("--enroll-token", result.StdOut, StringComparison.Ordinal);
    }

    private static async Task<string> Git(params string[] args) =>
        (await CliProcess.RunWithAsync("git", null, ["-C", PublishedExecutable.RepositoryRoot, .. args])).StdOut;
}

/// <summary>A fact that skips, saying why, where the published linux-x64 executable cannot run.</summary>
public sealed class PublishedExecutableFactAttribute : FactAttribute
{
    public PublishedExecutableFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            Skip =
                $"the published linux-x64 executable cannot run on {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}";
        }
    }
}

/// <summary>The test classes that share one published executable (publishing is slow: once per test run).</summary>
[CollectionDefinition(Name)]
public sealed class PublishedCollection : ICollectionFixture<PublishedExecutable>
{
    public const string Name = "published executable";
}

/// <summary>
/// Runs <c>scripts/publish.sh</c> for linux-x64 once into a temporary folder (up to 20 minutes: a loaded machine is slow);
/// runs the file without .NET. COMFYDOCTOR_TEST_PUBLISHED names a folder published already from this tree, to reuse it.
/// </summary>
public sealed class PublishedExecutable : IAsyncLifetime
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "cdpublish-" + Guid.NewGuid().ToString("N")[..10]);

    public static string RepositoryRoot { get; } = FindRoot();

    public PublishedExecutable() =>
        Folder = Environment.GetEnvironmentVariable("COMFYDOCTOR_TEST_PUBLISHED") is { Length: > 0 } reused
            ? Path.GetFullPath(reused)
            : Path.Combine(_temp, "publish");

    public string Folder { get; }

    public string Executable => Path.Combine(Folder, "linux-x64", "comfydoctor");

    public async Task InitializeAsync()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            return; // every test skips
        }

        if (File.Exists(Executable))
        {
            return; // COMFYDOCTOR_TEST_PUBLISHED
        }

        var result = await CliProcess.RunWithAsync(
            TimeSpan.FromMinutes(20),
            "bash",
            new Dictionary<string, string> { ["RIDS"] = "linux-x64" },
            Path.Combine(RepositoryRoot, "scripts", "publish.sh"),
            Folder
        );
        Assert.True(
            result.ExitCode == 0 && File.Exists(Executable),
            $"publish.sh failed ({result.ExitCode}):\n{result.StdOut}\n{result.StdErr}"
        );
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, recursive: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>The executable, with PATH stripped of every folder holding a <c>dotnet</c> and no DOTNET_* variable.</summary>
    internal async Task<CliProcess.Result> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        args.ToList().ForEach(start.ArgumentList.Add);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["PATH"] = string.Join(
            ':',
            (start.Environment["PATH"] ?? "").Split(':').Where(p => p.Length > 0 && !File.Exists(Path.Combine(p, "dotnet")))
        );
        // native libraries extract under ~/.net
        start.Environment["HOME"] = Directory.CreateDirectory(Path.Combine(_temp, "home")).FullName;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliProcess.Result(process.ExitCode, await stdout, await stderr);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ComfyDoctor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (ComfyDoctor.sln) is not above " + AppContext.BaseDirectory);
    }
}

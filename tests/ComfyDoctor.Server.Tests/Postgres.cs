using System.Diagnostics;
using System.Net.Sockets;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// A throwaway PostgreSQL cluster for the test run: initdb into a temp folder, pg_ctl start on a free 127.0.0.1 port,
/// removed at the end. As root it runs as the 'postgres' user. If it cannot start, tests that need it fail loudly.
/// </summary>
public sealed class Postgres : IAsyncLifetime
{
    private static readonly string[] BinDirs = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cdpg-" + Guid.NewGuid().ToString("N")[..8]);
    private string _bin = "";
    private int _port;
    private int _databases;

    public async Task InitializeAsync()
    {
        _bin = BinDirs.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries not found (scripts/test.sh installs the 'postgresql' package)"
            );
        Directory.CreateDirectory(_dir);
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", "postgres:postgres", _dir);
        }

        _port = FreePort();
        await RunPgAsync("initdb", "-D", Path.Combine(_dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync");
        await RunPgAsync(
            "pg_ctl",
            "-D",
            Path.Combine(_dir, "data"),
            "-l",
            Path.Combine(_dir, "log"),
            "-w",
            "-o",
            $"-p {_port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start"
        );
    }

    /// <summary>A fresh, empty database on the cluster.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        var name = $"t{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}";
        await RunPgAsync(
            "createdb",
            "-h",
            "127.0.0.1",
            "-p",
            _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U",
            "postgres",
            name
        );
        return $"Host=127.0.0.1;Port={_port};Username=postgres;Database={name};Pooling=false";
    }

    /// <summary>Stops the cluster as a crash would (immediate mode), leaves it down for <paramref name="down"/>, starts it again.</summary>
    public async Task RestartAsync(TimeSpan down)
    {
        await RunPgAsync("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop");
        await Task.Delay(down);
        await RunPgAsync(
            "pg_ctl",
            "-D",
            Path.Combine(_dir, "data"),
            "-l",
            Path.Combine(_dir, "log"),
            "-w",
            "-o",
            $"-p {_port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start"
        );
    }

    public async Task DisposeAsync()
    {
        try
        {
            await RunPgAsync("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private Task RunPgAsync(string tool, params string[] args) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args])
            : RunAsync(Path.Combine(_bin, tool), args);

    private static async Task RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr}{await stdout}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<Postgres>
{
    public const string Name = "postgres";
}

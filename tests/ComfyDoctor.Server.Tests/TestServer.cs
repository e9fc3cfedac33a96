using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Agent.Scanning;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Tests;

/// <summary>A real server on 127.0.0.1 (Kestrel, a free port) over SQLite or PostgreSQL, with its own data folder.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token-0123456789";
    public const string EnrollToken = "test-enroll-token-0123456789";

    /// <summary>Shared by every replica of a test, as a farm's replicas must share theirs (it opens the blob keys in the
    /// database).</summary>
    public const string MasterKey = "test-master-key-0123456789abcdef012345";

    private TestServer(WebApplication app, Uri url, string dataDir)
    {
        App = app;
        Url = url;
        DataDir = dataDir;
    }

    public WebApplication App { get; }

    public Uri Url { get; }

    public string DataDir { get; }

    /// <param name="url">Where to listen; default a free port (a restarted server passes its predecessor's URL).</param>
    /// <param name="configure">Changes to the test defaults (limits, intervals).</param>
    /// <param name="logging">Extra log providers (e.g. one that keeps every line for a test to search).</param>
    public static async Task<TestServer> StartAsync(
        string? database = null,
        TimeSpan? lease = null,
        string? url = null,
        Func<ServerOptions, ServerOptions>? configure = null,
        Action<ILoggingBuilder>? logging = null
    )
    {
        configure ??= o => o;
        var dataDir = Path.Combine(Path.GetTempPath(), "cdsrv-" + Guid.NewGuid().ToString("N")[..10]);
        var app = ServerHost.Build(
            configure(
                new ServerOptions(url ?? "http://127.0.0.1:0", database, dataDir)
                {
                    AdminToken = AdminToken,
                    EnrollToken = EnrollToken,
                    MasterKey = MasterKey,
                    JobLease = lease ?? TimeSpan.FromMinutes(10),
                    LongPoll = TimeSpan.FromSeconds(2),
                }
            ),
            builder =>
            {
                builder.AddProvider(new FileLoggerProvider(Path.Combine(Path.GetTempPath(), "cdsrv-errors.log")));
                logging?.Invoke(builder);
            }
        );
        return new TestServer(app, await ServerHost.StartAsync(app, CancellationToken.None), dataDir);
    }

    public HttpClient Admin(TimeSpan? timeout = null) => Client(AdminToken, timeout);

    /// <summary>
    /// A client of the server with <paramref name="token"/>; each request fails after <paramref name="timeout"/> (HttpClient's
    /// 100 s by default): a test whose requests move 100,000 models on a loaded machine gives a longer one, and still fails on a hang.
    /// </summary>
    public HttpClient Client(string? token, TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = Url };
        if (timeout is { } limit)
        {
            http.Timeout = limit;
        }

        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    /// <summary>Enrolls a worker named <paramref name="name"/> through the API; its credential.</summary>
    public async Task<string> EnrollAsync(string name, TimeSpan? timeout = null)
    {
        using var anonymous = Client(null, timeout);
        using var enrolled = await anonymous.PostAsJsonAsync(
            "agent/v1/enroll",
            new
            {
                name,
                tags = Array.Empty<string>(),
                enrollToken = EnrollToken,
            }
        );
        enrolled.EnsureSuccessStatusCode();
        return (await enrolled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("credential").GetString()!;
    }

    /// <summary>A client of the server as a worker enrolled now under <paramref name="name"/>.</summary>
    public async Task<HttpClient> EnrolledAsync(string name, TimeSpan? timeout = null) => Client(await EnrollAsync(name, timeout), timeout);

    /// <summary>An agent for a ComfyUI folder, enrolling under <paramref name="name"/>; it retries quickly (0.1 s, at most 1 s
    /// apart).</summary>
    public AgentClient Agent(string name, string comfyRoot, string agentData, HttpMessageHandler? handler = null) =>
        Agent(Url, name, comfyRoot, agentData, handler);

    public static AgentClient Agent(Uri server, string name, string comfyRoot, string agentData, HttpMessageHandler? handler = null) =>
        new(handler is null ? new HttpClient() : new HttpClient(handler), Options(server, name, comfyRoot, agentData));

    public static AgentOptions Options(Uri server, string name, string comfyRoot, string agentData) =>
        new(
            server,
            EnrollToken,
            name,
            ["test"],
            agentData,
            new ScanOptions(comfyRoot, [], false, 2, Path.Combine(agentData, "cache.json"), null, name)
        )
        {
            FirstBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromSeconds(1),
            ProgressInterval = TimeSpan.FromMilliseconds(100),
        };

    /// <summary>A free port on 127.0.0.1, as a URL.</summary>
    public static string FreeUrl()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return $"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment
        }
    }
}

/// <summary>Server errors of the test runs go to a file (xunit shows no console output).</summary>
internal sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new FileLogger(path, categoryName);

    public void Dispose() { }

    private sealed class FileLogger(string path, string category) : ILogger
    {
        private static readonly Lock Gate = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter
        )
        {
            if (IsEnabled(logLevel))
            {
                lock (Gate)
                {
                    File.AppendAllText(path, $"{DateTime.UtcNow:O} {category}: {formatter(state, exception)}\n{exception}\n");
                }
            }
        }
    }
}

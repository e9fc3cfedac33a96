using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ComfyDoctor.Agent.Tests.Installing.Fixtures;

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 (a port the OS picks, bound once: no probe-then-bind race) that answers like
/// the Comfy Registry: <c>GET /nodes/{id}/install?version=V</c> → <c>{"id", "version", "downloadUrl"}</c>, and serves
/// the zips themselves. One request per connection (<c>Connection: close</c>), which HttpClient handles as any server.
/// </summary>
public sealed class RegistryServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<string, byte[]> _zips = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RegistryServer()
    {
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _loop = Task.Run(AcceptAsync);
    }

    public Uri BaseUrl { get; }

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Publishes a zip for <paramref name="id"/> at <paramref name="version"/>.</summary>
    public void Publish(string id, string version, byte[] zip) => _zips[$"{id}@{version}"] = zip;

    /// <summary>A zip of the given entries (name → content); a name ending in <c>/</c> is a folder entry.</summary>
    public static byte[] Zip(params (string Name, string Content)[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = zip.CreateEntry(name);
                if (!name.EndsWith('/'))
                {
                    using var stream = entry.Open();
                    stream.Write(Encoding.UTF8.GetBytes(content));
                }
            }
        }

        return memory.ToArray();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
            var requestLine = await reader.ReadLineAsync() ?? "";
            while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
            {
                // headers are not needed
            }

            var target = requestLine.Split(' ') is [_, var t, ..] ? t : "/";
            Requests.Enqueue(target);
            var (status, type, body) = Answer(new Uri(BaseUrl, target));
            var head = $"HTTP/1.1 {status}\r\nContent-Type: {type}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(body);
        }
    }

    private (string Status, string Type, byte[] Body) Answer(Uri url)
    {
        var parts = url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts is ["nodes", var id, "install"])
        {
            var query = url
                .Query.TrimStart('?')
                .Split('&')
                .Select(p => p.Split('=', 2))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]), StringComparer.Ordinal);
            var version = query.GetValueOrDefault("version") ?? "latest";
            return !_zips.ContainsKey($"{id}@{version}")
                ? ("404 Not Found", "text/plain", Encoding.UTF8.GetBytes("no such version"))
                : (
                    "200 OK",
                    "application/json",
                    JsonSerializer.SerializeToUtf8Bytes(
                        new Dictionary<string, string>
                        {
                            ["id"] = id,
                            ["version"] = version,
                            ["downloadUrl"] = new Uri(BaseUrl, $"files/{id}/{version}.zip").ToString(),
                        }
                    )
                );
        }

        return
            parts is ["files", var fileId, var file]
            && file.EndsWith(".zip", StringComparison.Ordinal)
            && _zips.TryGetValue($"{fileId}@{file[..^4]}", out var zip)
            ? ("200 OK", "application/zip", zip)
            : ("404 Not Found", "text/plain", Encoding.UTF8.GetBytes("not found"));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // stopping
        }

        _stop.Dispose();
    }
}

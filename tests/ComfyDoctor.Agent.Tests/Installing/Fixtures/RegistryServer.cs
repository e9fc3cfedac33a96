using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ComfyDoctor.Agent.Tests.Installing.Fixtures;

/// <summary>
/// A real HTTP server on 127.0.0.1 (random port) that answers like the Comfy Registry:
/// <c>GET /nodes/{id}/install?version=V</c> → <c>{"downloadUrl", "version"}</c>, and serves the zips themselves.
/// </summary>
public sealed class RegistryServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, byte[]> _zips = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public RegistryServer()
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUrl = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(BaseUrl.ToString());
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // the port was taken between probe and start; try another
            }
        }

        _loop = Task.Run(ServeAsync);
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

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var response = context.Response;
            var path = context.Request.Url!.AbsolutePath;
            Requests.Enqueue(context.Request.Url.PathAndQuery);
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (parts is ["nodes", var id, "install"])
            {
                var version = context.Request.QueryString["version"] ?? "latest";
                if (!_zips.ContainsKey($"{id}@{version}"))
                {
                    response.StatusCode = 404;
                    continue;
                }

                var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
                {
                    ["id"] = id, ["version"] = version, ["downloadUrl"] = new Uri(BaseUrl, $"files/{id}/{version}.zip").ToString(),
                });
                response.ContentType = "application/json";
                await response.OutputStream.WriteAsync(body);
            }
            else if (parts is ["files", var fileId, var file] && _zips.TryGetValue($"{fileId}@{file[..^4]}", out var zip))
            {
                response.ContentType = "application/zip";
                response.ContentLength64 = zip.Length;
                await response.OutputStream.WriteAsync(zip);
            }
            else
            {
                response.StatusCode = 404;
            }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // stopping
        }
    }
}

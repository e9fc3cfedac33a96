using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using ComfyDoctor.Agent.Blobs;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Agent.Tests.Blobs;

/// <summary><c>agent --listen</c>: a real Kestrel on 127.0.0.1 serving only verified files, by hash, to signed tokens.</summary>
public sealed class BlobServerTests : IAsyncLifetime, IDisposable
{
    private const string Key = "0123456789abcdef0123456789abcdef";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cdblobs-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly VerifiedBlobs _blobs = new();
    private Microsoft.AspNetCore.Builder.WebApplication? _app;
    private HttpClient _http = new();
    private byte[] _bytes = [];
    private string _sha = "";
    private string _path = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _path = Path.Combine(_dir, "model.safetensors");
        _bytes = RandomNumberGenerator.GetBytes(300_000);
        await File.WriteAllBytesAsync(_path, _bytes);
        _sha = Convert.ToHexStringLower(SHA256.HashData(_bytes));
        var info = new FileInfo(_path);
        _blobs.Update(
            new WorkerInventory(
                "w",
                DateTimeOffset.UtcNow,
                [],
                [
                    new ModelFile(
                        "loras/model.safetensors",
                        _path,
                        info.Length,
                        Hashing.FileStamp.Of(_path).ModifiedAt,
                        _sha,
                        FormatCheck.Ok("safetensors")
                    ),
                ],
                [],
                new EnvironmentFacts([], null, null, [], [])
            )
        );
        var url = $"http://127.0.0.1:{FreePort()}";
        _app = await BlobServer.StartAsync(url, _blobs, () => Key, CancellationToken.None);
        _http = new HttpClient { BaseAddress = new Uri(url + "/") };
    }

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_signed_request_gets_the_verified_bytes_and_ranges()
    {
        using var whole = await GetAsync($"blobs/{_sha}", BlobToken.Issue(Key, DateTimeOffset.UtcNow.AddMinutes(5)));
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(_bytes, await whole.Content.ReadAsByteArrayAsync());

        using var request = new HttpRequestMessage(HttpMethod.Get, $"blobs/{_sha}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BlobToken.Issue(Key, DateTimeOffset.UtcNow.AddMinutes(5)));
        request.Headers.Range = new RangeHeaderValue(100_000, null);
        using var rest = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal(_bytes[100_000..], await rest.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Unsigned_expired_or_foreign_tokens_are_refused()
    {
        foreach (
            var token in new string?[]
            {
                null,
                "garbage",
                BlobToken.Issue(Key, DateTimeOffset.UtcNow.AddMinutes(-1)),
                BlobToken.Issue("another-key-another-key", DateTimeOffset.UtcNow.AddMinutes(5)),
            }
        )
        {
            using var response = await GetAsync($"blobs/{_sha}", token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task Only_hashes_name_blobs_and_only_unchanged_verified_files_are_served()
    {
        var token = BlobToken.Issue(Key, DateTimeOffset.UtcNow.AddMinutes(5));
        foreach (var name in new[] { "..%2F..%2Fetc%2Fpasswd", "model.safetensors", _sha.ToUpperInvariant(), _sha[..63] })
        {
            using var response = await GetAsync($"blobs/{name}", token);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        using (var unknown = await GetAsync($"blobs/{new string('e', 64)}", token))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        await File.AppendAllTextAsync(_path, "changed after the scan");
        using var changed = await GetAsync($"blobs/{_sha}", token);
        Assert.Equal(HttpStatusCode.NotFound, changed.StatusCode);
        Assert.Contains("changed since it was verified", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var other = await GetAsync("etc/passwd", token);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    private Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return _http.SendAsync(request);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
